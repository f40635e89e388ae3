"""Demo content of the monitoring app: one form per demo municipality, built from that municipality's
seed, and the collections that use it. Pure data (no Django imports); ``monitoring/demo.py`` loads it.

- FORMS: per municipality slug (as in ``mcok/demo_data.py``), the form: title, description, the
  direction code, sections with their questions, and the rules across questions. A numeric question
  names the data element it feeds ("element": a code of the municipality's data elements) and how
  its demo answers are drawn ("demo"): ("count", low, high) — a whole number in the range, scaled by
  the organization's size; ("share", code, low %, high %) — a part of another question's answer, so
  a part is never above its whole and every rule holds.
- ELEMENTS and INDICATORS: the data elements and ratio indicators the form feeds where the
  indicator demo (``indicators/demo_data.py``) has none: Dobryanka (003) and Sosnovka (004) give
  criteria and measures but no formulas, so the indicators below are what their texts describe
  («по учету педагогических работников, прошедших диагностику профессиональных дефицитов»,
  «организация общественного наблюдения при проведении оценочных процедур»), marked as demo.
  Ishimbay (000) and Amursk (001) forms use the seeds' own elements (2.3.1, 2.3.4, 2.3.5 of 000;
  П7, П8, П53 of 001).
- ORGANIZATIONS: demo schools where the seed names none (004 names no school).
- COLLECTIONS: per municipality, which kinds of organization are asked, the titles of the closed
  (previous year), open (the year the indicator demo shows) and draft (next year) collections, the
  state of each organization's submission in the open one (the demo school login's own first, so
  each login shows something different), and the coordinator's comment on a returned form.
"""

# Long Russian texts stay on one line each.
# ruff: noqa: E501

from __future__ import annotations

SCHOOL = ["school"]
TEACHING = ["school", "additional"]
EDUCATIONAL = ["school", "kindergarten", "additional"]

# The years of the three collections: the indicator demo's last year is the current one.
CLOSED_YEAR = 2024
OPEN_YEAR = 2025
DRAFT_YEAR = 2026

FORMS: dict[str, dict] = {
    # 000 — Ишимбайский район: direction 2.3, the Google Form that «Описание методов сбора информации»
    # names for 2.3.1, with the staff figures of 2.3.4 and 2.3.5.
    "ishimbay": {
        "title": "Диагностика профессиональных дефицитов педагогов",
        "direction": "2.3",
        "description": "Сведения образовательной организации для мониторинга качества дополнительного профессионального образования педагогических работников (направление 2.3). Заменяет Google Форму, указанную в программе мониторинга. Численность указывается на 31 декабря отчётного года.",
        "sections": [
            {
                "title": "Педагогические работники",
                "description": "По данным кадрового учёта организации, без внешних совместителей.",
                "questions": [
                    {
                        "code": "ped_total",
                        "label": "Общее количество педагогических работников",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "ped_total",
                        "help": "Все педагогические работники, включая учителей, воспитателей, педагогов дополнительного образования.",
                        "demo": ("count", 30, 90),
                    },
                    {
                        "code": "teachers_total",
                        "label": "Общее количество учителей (преподавателей)",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "teachers_total",
                        "help": "Входит в общее количество педагогических работников.",
                        "demo": ("share", "ped_total", 75, 95),
                    },
                    {
                        "code": "teachers_diagnosed",
                        "label": "Количество учителей (преподавателей), прошедших диагностику по наличию профессиональных дефицитов",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "teachers_diagnosed",
                        "help": "Числитель показателя 2.3.1: учителя, прошедшие диагностику в отчётном году (ЦНППМ, ИРО РБ, ЦОПМКП или внутришкольную).",
                        "demo": ("share", "teachers_total", 40, 100),
                    },
                ],
            },
            {
                "title": "Аттестация и дополнительное профессиональное образование",
                "description": "Показатели 2.3.4 и 2.3.5 программы мониторинга.",
                "questions": [
                    {
                        "code": "ped_attestation_due",
                        "label": "Количество педагогов, подлежащих аттестации в отчётном году",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "ped_attestation_due",
                        "demo": ("share", "ped_total", 10, 30),
                    },
                    {
                        "code": "ped_dpo_individual",
                        "label": "Из них прошли программы ДПО по индивидуальной образовательной траектории",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "ped_dpo_individual",
                        "help": "Программы ДПО, выбранные для устранения выявленных дефицитов перед аттестацией на квалификационную категорию.",
                        "demo": ("share", "ped_attestation_due", 30, 90),
                    },
                    {
                        "code": "ped_dpo_completed",
                        "label": "Количество педагогов, освоивших программы ДПО за отчётный период",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "ped_dpo_completed",
                        "demo": ("share", "ped_total", 30, 70),
                    },
                    {
                        "code": "ped_experts",
                        "label": "Количество педагогов-экспертов (эксперты предметных комиссий ГИА, ВсОШ, WorldSkills Russia, Абилимпикс и т. д.)",
                        "kind": "integer",
                        "min": 0,
                        "max": 2000,
                        "element": "ped_experts",
                        "required": False,
                        "demo": ("share", "ped_dpo_completed", 5, 40),
                    },
                ],
            },
            {
                "title": "Как проводилась диагностика",
                "description": "",
                "questions": [
                    {
                        "code": "diagnostics_by",
                        "label": "Кто проводил диагностику профессиональных дефицитов",
                        "kind": "choice",
                        "options": [
                            "ЦНППМ ГБПОУ УМПК",
                            "ГАУ ДПО ИРО РБ",
                            "ГАУ РБ ЦОПМКП",
                            "Внутришкольная диагностика",
                        ],
                        "help": "Если диагностику проводили несколько организаций, укажите основную.",
                    },
                    {
                        "code": "deficits",
                        "label": "Наиболее частые выявленные дефициты",
                        "kind": "long_text",
                        "required": False,
                        "help": "Кратко, например: «формирующее оценивание, работа с детьми с ОВЗ».",
                    },
                ],
            },
        ],
        "rules": [
            {
                "kind": "le",
                "fields": ["teachers_total", "ped_total"],
                "message": "Учителей не может быть больше, чем всех педагогических работников.",
            },
            {
                "kind": "le",
                "fields": ["teachers_diagnosed", "teachers_total"],
                "message": "Прошедших диагностику не может быть больше, чем всех учителей.",
            },
            {"kind": "le", "fields": ["ped_attestation_due", "ped_total"], "message": ""},
            {
                "kind": "le",
                "fields": ["ped_dpo_individual", "ped_attestation_due"],
                "message": "По индивидуальной траектории обучались только педагоги, подлежащие аттестации: их не может быть больше.",
            },
            {"kind": "le", "fields": ["ped_dpo_completed", "ped_total"], "message": ""},
        ],
    },
    # 001 — Амурский район: П7, П8 and П53 of the motivating-monitoring catalogue (Приложение № 2).
    "amursk": {
        "title": "Кадры и цифровая образовательная среда (П7, П8, П53)",
        "direction": "2.1",
        "description": "Сведения для мотивирующего мониторинга УОМПиС: численность работников (П7, П8) и доступ педагогов к верифицированному цифровому контенту (П53). Данные на отчётную дату по штатному расписанию и тарификации.",
        "sections": [
            {
                "title": "Численность работников",
                "description": "Физические лица, без внешних совместителей.",
                "questions": [
                    {
                        "code": "staff_total",
                        "label": "Общая численность работников образовательного учреждения",
                        "kind": "integer",
                        "min": 0,
                        "max": 3000,
                        "element": "staff_total",
                        "demo": ("count", 40, 120),
                    },
                    {
                        "code": "ped_staff",
                        "label": "Численность педагогических работников",
                        "kind": "integer",
                        "min": 0,
                        "max": 3000,
                        "element": "ped_staff",
                        "help": "Знаменатель показателей П7, П8 и П53.",
                        "demo": ("share", "staff_total", 45, 65),
                    },
                    {
                        "code": "ped_staff_under35",
                        "label": "Численность педагогических работников в возрасте до 35 лет",
                        "kind": "integer",
                        "min": 0,
                        "max": 3000,
                        "element": "ped_staff_under35",
                        "help": "Числитель П8: полных лет на отчётную дату.",
                        "demo": ("share", "ped_staff", 10, 35),
                    },
                    {
                        "code": "heads_staff",
                        "label": "Численность руководящих работников",
                        "kind": "integer",
                        "min": 0,
                        "max": 300,
                        "element": "heads_staff",
                        "help": "Руководитель и его заместители. Числитель П7 (в расчёте на 10 педагогов).",
                        "demo": ("share", "ped_staff", 5, 15),
                    },
                ],
            },
            {
                "title": "Цифровая образовательная среда",
                "description": "",
                "questions": [
                    {
                        "code": "ped_digital_content",
                        "label": "Численность педагогических работников, получивших возможность использования верифицированного цифрового образовательного контента и цифровых образовательных сервисов",
                        "kind": "integer",
                        "min": 0,
                        "max": 3000,
                        "element": "ped_digital_content",
                        "help": "Числитель П53.",
                        "demo": ("share", "ped_staff", 50, 100),
                    },
                    {
                        "code": "platform",
                        "label": "Основная платформа цифрового образовательного контента",
                        "kind": "choice",
                        "options": [
                            "ФГИС «Моя школа»",
                            "ИКОП «Сферум»",
                            "Региональная платформа",
                            "Не используется",
                        ],
                        "required": False,
                    },
                    {
                        "code": "comment",
                        "label": "Пояснения к данным",
                        "kind": "long_text",
                        "required": False,
                    },
                ],
            },
        ],
        "rules": [
            {
                "kind": "le",
                "fields": ["ped_staff", "staff_total"],
                "message": "Педагогических работников не может быть больше, чем всех работников.",
            },
            {
                "kind": "le",
                "fields": ["ped_staff_under35", "ped_staff"],
                "message": "Педагогов до 35 лет не может быть больше, чем всех педагогических работников.",
            },
            {"kind": "le", "fields": ["heads_staff", "staff_total"], "message": ""},
            {"kind": "le", "fields": ["ped_digital_content", "ped_staff"], "message": ""},
        ],
    },
    # 003 — Добрянский городской округ: the roadmap of the system of scientific and methodical support
    # and professional development of teachers, «Планируемые критерии» 1) and 3).
    "dobryanka": {
        "title": "Профессиональное развитие педагогических работников",
        "direction": "2.3",
        "description": "Мониторинг по дорожной карте системы научно-методического сопровождения и обеспечения профессионального развития педагогических работников: учёт педагогов, прошедших диагностику профессиональных дефицитов, и поддержка молодых педагогов. Численность — на 31 декабря отчётного года.",
        "sections": [
            {
                "title": "Диагностика профессиональных дефицитов",
                "description": "Критерий 1 дорожной карты: учёт педагогических работников, прошедших диагностику профессиональных дефицитов / предметных компетенций.",
                "questions": [
                    {
                        "code": "ped_total",
                        "label": "Общее количество педагогических работников",
                        "kind": "integer",
                        "min": 0,
                        "max": 1000,
                        "element": "ped_total",
                        "help": "Все педагогические работники организации по штатному расписанию, без внешних совместителей.",
                        "demo": ("count", 25, 80),
                    },
                    {
                        "code": "ped_diagnosed",
                        "label": "Из них прошли диагностику профессиональных дефицитов / предметных компетенций",
                        "kind": "integer",
                        "min": 0,
                        "max": 1000,
                        "element": "ped_diagnosed",
                        "help": "Региональная диагностика ЦНППМ, муниципальная (МБУ ДПО «ИМЦ») или школьная — в отчётном году.",
                        "demo": ("share", "ped_total", 35, 95),
                    },
                    {
                        "code": "diagnostics_level",
                        "label": "Уровень основной диагностики",
                        "kind": "choice",
                        "options": ["Региональная (ЦНППМ)", "Муниципальная (МБУ ДПО «ИМЦ»)", "Школьная"],
                        "required": False,
                    },
                ],
            },
            {
                "title": "Молодые педагоги и наставничество",
                "description": "Критерий 3 дорожной карты: методическая поддержка молодых педагогов, система наставничества.",
                "questions": [
                    {
                        "code": "young_teachers",
                        "label": "Количество молодых педагогов (стаж работы до 3 лет)",
                        "kind": "integer",
                        "min": 0,
                        "max": 1000,
                        "element": "young_teachers",
                        "demo": ("share", "ped_total", 5, 20),
                    },
                    {
                        "code": "young_mentored",
                        "label": "Из них закреплены за наставником приказом ОО",
                        "kind": "integer",
                        "min": 0,
                        "max": 1000,
                        "element": "young_mentored",
                        "demo": ("share", "young_teachers", 50, 100),
                    },
                    {
                        "code": "ppo_member",
                        "label": "Педагоги организации участвуют в работе муниципальных профессиональных педагогических объединений (ППО)",
                        "kind": "boolean",
                        "required": False,
                    },
                    {
                        "code": "comment",
                        "label": "Комментарий",
                        "kind": "long_text",
                        "required": False,
                        "help": "Например, причины, по которым диагностику прошли не все педагоги.",
                    },
                ],
            },
        ],
        "rules": [
            {
                "kind": "le",
                "fields": ["ped_diagnosed", "ped_total"],
                "message": "Прошедших диагностику не может быть больше, чем всех педагогических работников.",
            },
            {
                "kind": "le",
                "fields": ["young_teachers", "ped_total"],
                "message": "Молодых педагогов не может быть больше, чем всех педагогических работников.",
            },
            {
                "kind": "le",
                "fields": ["young_mentored", "young_teachers"],
                "message": "Закреплённых за наставником не может быть больше, чем молодых педагогов.",
            },
        ],
    },
    # 004 — Сосновский район: the concept's system 2.1 (objectivity), its measures «организация
    # общественного наблюдения при проведении оценочных процедур» and «повышение квалификации учителей
    # по вопросам школьного оценивания».
    "sosnovka": {
        "title": "Объективность оценочных процедур",
        "direction": "2.1",
        "description": "Сведения общеобразовательной организации об общественном наблюдении при проведении ВПР и о подготовке учителей по вопросам школьного оценивания (Концепция, приказ отдела образования № 71 от 08.04.2011, система 2.1).",
        "sections": [
            {
                "title": "Общественное наблюдение",
                "description": "Всероссийские проверочные работы весенней сессии отчётного года.",
                "questions": [
                    {
                        "code": "vpr_rooms_total",
                        "label": "Количество аудиторий, в которых проводились ВПР",
                        "kind": "integer",
                        "min": 0,
                        "max": 500,
                        "element": "vpr_rooms_total",
                        "help": "Каждая аудитория в каждый день проведения считается отдельно.",
                        "demo": ("count", 10, 40),
                    },
                    {
                        "code": "vpr_rooms_observed",
                        "label": "Из них с присутствием общественных наблюдателей",
                        "kind": "integer",
                        "min": 0,
                        "max": 500,
                        "element": "vpr_rooms_observed",
                        "demo": ("share", "vpr_rooms_total", 30, 100),
                    },
                    {
                        "code": "observers",
                        "label": "Кто выступал общественными наблюдателями",
                        "kind": "multiple_choice",
                        "options": [
                            "Родители (законные представители)",
                            "Представители общественных организаций",
                            "Студенты",
                            "Педагоги других образовательных организаций",
                        ],
                        "required": False,
                    },
                ],
            },
            {
                "title": "Школьное оценивание",
                "description": "",
                "questions": [
                    {
                        "code": "teachers_total",
                        "label": "Количество учителей",
                        "kind": "integer",
                        "min": 0,
                        "max": 500,
                        "element": "teachers_total",
                        "demo": ("count", 12, 45),
                    },
                    {
                        "code": "teachers_trained",
                        "label": "Из них прошли повышение квалификации по вопросам школьного оценивания за последние три года",
                        "kind": "integer",
                        "min": 0,
                        "max": 500,
                        "element": "teachers_trained_assessment",
                        "demo": ("share", "teachers_total", 20, 80),
                    },
                    {
                        "code": "assessment_policy",
                        "label": "В организации утверждено положение о системе оценивания образовательных результатов",
                        "kind": "boolean",
                    },
                ],
            },
        ],
        "rules": [
            {
                "kind": "le",
                "fields": ["vpr_rooms_observed", "vpr_rooms_total"],
                "message": "Аудиторий с наблюдателями не может быть больше, чем всех аудиторий.",
            },
            {
                "kind": "le",
                "fields": ["teachers_trained", "teachers_total"],
                "message": "Прошедших повышение квалификации не может быть больше, чем всех учителей.",
            },
        ],
    },
}

ELEMENTS: dict[str, list[dict]] = {
    "dobryanka": [
        {
            "code": "ped_total",
            "name": "Общее количество педагогических работников",
            "unit": "чел.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
        {
            "code": "ped_diagnosed",
            "name": "Количество педагогических работников, прошедших диагностику профессиональных дефицитов / предметных компетенций",
            "unit": "чел.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
        {
            "code": "young_teachers",
            "name": "Количество молодых педагогов (стаж работы до 3 лет)",
            "unit": "чел.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
        {
            "code": "young_mentored",
            "name": "Количество молодых педагогов, закреплённых за наставниками",
            "unit": "чел.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
    ],
    "sosnovka": [
        {
            "code": "vpr_rooms_total",
            "name": "Количество аудиторий, в которых проводились ВПР",
            "unit": "ед.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
        {
            "code": "vpr_rooms_observed",
            "name": "Количество аудиторий ВПР с присутствием общественных наблюдателей",
            "unit": "ед.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
        {
            "code": "teachers_total",
            "name": "Количество учителей",
            "unit": "чел.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
        {
            "code": "teachers_trained_assessment",
            "name": "Количество учителей, прошедших повышение квалификации по вопросам школьного оценивания",
            "unit": "чел.",
            "value_type": "integer",
            "kinds": SCHOOL,
        },
    ],
}

_DEMO_METHOD = (
    "Мониторинг: форма портала «%s» (демонстрационный показатель, сформулирован по тексту документа)"
)

INDICATORS: dict[str, list[dict]] = {
    "dobryanka": [
        {
            "code": "2.3.1",
            "direction": "2.3",
            "name": "Доля педагогических работников, прошедших диагностику профессиональных дефицитов / предметных компетенций",
            "numerator": "ped_diagnosed",
            "denominator": "ped_total",
            "method": _DEMO_METHOD % "Профессиональное развитие педагогических работников",
            "source": "Информация общеобразовательных организаций",
            "criterion": "По учету педагогических работников, прошедших диагностику профессиональных дефицитов/предметных компетенций (дорожная карта, планируемый критерий 1)",
        },
        {
            "code": "2.3.2",
            "direction": "2.3",
            "name": "Доля молодых педагогов, за которыми закреплены наставники",
            "numerator": "young_mentored",
            "denominator": "young_teachers",
            "method": _DEMO_METHOD % "Профессиональное развитие педагогических работников",
            "source": "Информация общеобразовательных организаций",
            "criterion": "По осуществлению методической поддержки молодых педагогов / по реализации системы наставничества (дорожная карта, планируемый критерий 3)",
        },
    ],
    "sosnovka": [
        {
            "code": "2.1.1",
            "direction": "2.1",
            "name": "Доля аудиторий проведения ВПР, в которых присутствовали общественные наблюдатели",
            "numerator": "vpr_rooms_observed",
            "denominator": "vpr_rooms_total",
            "method": _DEMO_METHOD % "Объективность оценочных процедур",
            "source": "Информация общеобразовательных организаций",
            "criterion": "Организация общественного наблюдения при проведении оценочных процедур и олимпиад школьников (Концепция, система 2.1)",
        },
        {
            "code": "2.1.2",
            "direction": "2.1",
            "name": "Доля учителей, прошедших повышение квалификации по вопросам школьного оценивания",
            "numerator": "teachers_trained_assessment",
            "denominator": "teachers_total",
            "method": _DEMO_METHOD % "Объективность оценочных процедур",
            "source": "Информация общеобразовательных организаций",
            "criterion": "Организация повышения квалификации учителей по вопросам школьного оценивания (Концепция, система 2.1)",
        },
    ],
}

ORGANIZATIONS: dict[str, list[dict]] = {
    "sosnovka": [
        {"short_name": "МБОУ Сосновская СОШ № 1 (демо)", "kind": "school", "locality": "rural"},
        {"short_name": "МБОУ Сосновская СОШ № 2 (демо)", "kind": "school", "locality": "rural"},
        {"short_name": "МБОУ Отъясская СОШ (демо)", "kind": "school", "locality": "rural"},
        {"short_name": "МБОУ Вертунская ООШ (демо)", "kind": "school", "locality": "rural"},
        {"short_name": "МБОУ Дегтянская СОШ (демо)", "kind": "school", "locality": "rural"},
        {"short_name": "МБОУ Подгоренская СОШ (демо)", "kind": "school", "locality": "rural"},
    ],
}

# The states of the open collection, in the order they are dealt out after the demo school's own.
STATES = ("accepted", "submitted", "returned", "draft", "not_started")

COLLECTIONS: dict[str, dict] = {
    "ishimbay": {
        "kinds": TEACHING,
        "titles": "Диагностика профессиональных дефицитов педагогов — %(year)s",
        "demo_school": "draft",
        "comment": "Количество учителей не совпадает со сведениями кадрового учёта Управления образования (на 31 декабря — на 2 человека больше). Уточните, пожалуйста, и отправьте форму снова.",
    },
    "amursk": {
        "kinds": EDUCATIONAL,
        "titles": "Мотивирующий мониторинг: кадры и цифровая среда — %(year)s",
        "demo_school": "returned",
        "comment": "Численность педагогов до 35 лет расходится с тарификационным списком. Проверьте возраст на отчётную дату и отправьте форму снова.",
    },
    "dobryanka": {
        "kinds": SCHOOL,
        "titles": "Профессиональное развитие педагогов — %(year)s",
        "demo_school": "not_started",
        "comment": "Число педагогов, прошедших диагностику, не подтверждено протоколами ЦНППМ. Приложите сведения в комментарии и отправьте форму снова.",
    },
    "sosnovka": {
        "kinds": SCHOOL,
        "titles": "Объективность ВПР: общественное наблюдение — %(year)s",
        "demo_school": "submitted",
        "comment": "Указано больше аудиторий, чем классов-комплектов, писавших ВПР. Проверьте подсчёт по дням проведения.",
    },
}

COMMENTS = [
    "Данные сверены с кадровым учётом.",
    "Часть педагогов проходит диагностику в следующем квартале.",
    "",
]
