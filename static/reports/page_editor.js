// The rich-text editor of a public page's draft (django-prose-editor, Tiptap).
//
// The editor module is imported by its path, not through an import map: an import map is an inline
// script, which the portal's Content-Security-Policy forbids. Tiptap's own base styles are not
// injected either (that would be an inline <style>); they are in page_editor.css. What the operator
// writes is only a proposal: the server cleans the HTML on save and keeps only what it allows.
//
// The editor's dialogs read their words through window.gettext when the editor module loads; the
// portal translates them on the server and hands them over in the text area's data-editor-messages,
// so the module is imported only after window.gettext is set.

const ATTRIBUTE = "data-django-prose-editor-mcok";

function installMessages() {
  if (typeof window.gettext === "function") return;
  const holder = document.querySelector("[data-editor-messages]");
  let messages = {};
  try {
    messages = JSON.parse((holder && holder.getAttribute("data-editor-messages")) || "{}");
  } catch (error) {
    messages = {};
  }
  window.gettext = function (text) {
    return Object.prototype.hasOwnProperty.call(messages, text) ? messages[text] : text;
  };
}

installMessages();
const prose = await import("../django_prose_editor/editor.js");

function extensionsOf(config) {
  const result = [];
  for (const [name, options] of Object.entries(config.extensions || {})) {
    const extension = prose[name];
    if (!extension) continue;
    result.push(typeof options === "object" && options !== null ? extension.configure(options) : extension);
  }
  return result;
}

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null;
  const config = JSON.parse(textarea.getAttribute(ATTRIBUTE) || "{}");
  const disabled = textarea.hasAttribute("disabled");
  const wrapper = document.createElement("div");
  wrapper.className = disabled ? "prose-editor disabled" : "prose-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  const editor = new prose.Editor({
    element: wrapper,
    editable: !disabled,
    injectCSS: false,
    extensions: extensionsOf(config),
    content: textarea.value,
    onUpdate({ editor: current }) {
      const html = current.getHTML();
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
  });
  wrapper.setAttribute("data-editor-ready", "true");
  return editor;
}

function bindImages(editor, textarea) {
  const form = textarea.form;
  if (!form) return;
  form.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-insert-image]");
    if (!button || !form.contains(button)) return;
    event.preventDefault();
    editor
      .chain()
      .focus()
      .setImage({ src: button.getAttribute("data-insert-image"), alt: button.getAttribute("data-alt") || "" })
      .run();
  });
}

for (const textarea of document.querySelectorAll(`[${ATTRIBUTE}]`)) {
  try {
    const editor = createEditor(textarea);
    if (editor) bindImages(editor, textarea);
  } catch (error) {
    // The plain text area stays usable: the server cleans whatever is sent.
    console.error("The editor could not start:", error);
  }
}
