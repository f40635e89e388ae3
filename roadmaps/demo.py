"""The seeds' roadmaps, project groups, recommendations, decisions, municipal projects and the orders'
instructions for `load_demo`."""


def load() -> None:
    from roadmaps import demo_groups, demo_instructions, demo_projects, demo_recommendations, demo_roadmaps

    demo_roadmaps.load()
    demo_groups.load()
    demo_roadmaps.link_groups()  # after the groups: each to its direction and approving document
    demo_recommendations.load()  # after the roadmaps: its decisions link their events
    demo_projects.load()  # after the roadmaps: a project links its roadmap
    demo_instructions.load()  # the orders' instructions, their responsible and states in 2025
