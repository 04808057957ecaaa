// Embeds in the body editor. The server (lifescope/embeds.py) decides what becomes a card and
// rebuilds every card from its link; the editor only has to keep the address, so opening and
// saving an article leaves its cards as they were, and to offer a button that inserts one.
import { gettext, Node, updateAttrsDialog } from "django-prose-editor/editor"

const askForAddress = updateAttrsDialog(
  {
    url: {
      type: "string",
      format: "url",
      required: true,
      title: gettext("Address of the video, post or audio clip"),
      description: gettext(
        "YouTube, Vimeo, X, Mastodon, Bluesky, SoundCloud or Spotify. Other addresses stay links.",
      ),
    },
  },
  { title: gettext("Embed"), submitText: gettext("Insert") },
)

export const Embed = Node.create({
  name: "embed",
  group: "block",
  atom: true,
  draggable: true,

  addAttributes() {
    return {
      url: {
        default: null,
        parseHTML: (element) => element.querySelector("a[href]")?.getAttribute("href") ?? null,
        renderHTML: () => ({}),
      },
      label: {
        default: null,
        parseHTML: (element) => element.querySelector("figcaption")?.textContent ?? null,
        renderHTML: () => ({}),
      },
    }
  },

  parseHTML() {
    // Before the Figure extension, which takes every <figure>.
    return [{ tag: "figure.embed", priority: 60 }]
  },

  renderHTML({ node }) {
    const { url, label } = node.attrs
    const caption = label ? [["figcaption", {}, label]] : []
    return ["figure", { class: "embed" }, ...caption, ["a", { href: url }, url]]
  },

  addCommands() {
    return {
      insertEmbed:
        () =>
        ({ editor }) => {
          askForAddress(editor, {}).then((attrs) => {
            const url = attrs?.url?.trim()
            if (url) {
              editor.chain().focus().insertContent({ type: this.name, attrs: { url } }).run()
            }
          })
          return true
        },
    }
  },

  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "embed",
      groups: "nodes",
      command: (editor) => editor.commands.insertEmbed(),
      button: buttons.material("smart_display", gettext("Embed a video, post or audio clip")),
    })
  },
})
