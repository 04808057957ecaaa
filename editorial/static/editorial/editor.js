// The article body editor: django-prose-editor's configurable preset, with two differences.
// Tiptap would inject its base styles as a <style> element, which the site's
// Content-Security-Policy refuses; they are in editorial/editor.css instead. And it knows our
// Embed node (embed.js).
import * as prose from "django-prose-editor/editor"
import { Embed } from "./embed.js"

const EXTENSIONS = { ...prose, Embed }

const ATTRIBUTE = "data-django-prose-editor-lifescope"

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null
  const config = JSON.parse(textarea.getAttribute(ATTRIBUTE) || "{}")
  const extensions = Object.entries(config.extensions || {}).flatMap(([name, options]) => {
    const extension = EXTENSIONS[name]
    if (!extension) return []
    return [typeof options === "object" ? extension.configure(options) : extension]
  })
  const disabled = textarea.hasAttribute("disabled")
  const wrapper = prose.crel("div", { className: `prose-editor ${disabled ? "disabled" : ""}` })
  textarea.before(wrapper)
  wrapper.append(textarea)
  return new prose.Editor({
    element: wrapper,
    editable: !disabled,
    injectCSS: false,
    extensions,
    content: textarea.value,
    onUpdate({ editor }) {
      const html = editor.getHTML()
      // An empty document is an empty body, not "<p></p>".
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
    onDestroy() {
      wrapper.before(textarea)
      wrapper.remove()
    },
  })
}

prose.initializeEditors(createEditor, `[${ATTRIBUTE}]`)
