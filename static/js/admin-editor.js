// YzImages: images in the article body editor (django-prose-editor / Tiptap).
//
// * a 上传图片 button in the toolbar, for one or more files;
// * image files pasted or dropped into the body are uploaded instead of being lost;
// * WeChat articles keep the real address of lazy images in data-src: use it on paste.
//
// Files go to the admin's upload endpoint, which checks, cleans and stores them and
// answers {url, width, height} or {error}. The server sanitises the body again on save.
import { Extension, Plugin } from "django-prose-editor/editor"

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"]

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]")
  return input ? input.value : ""
}

function imageFiles(list) {
  return Array.from(list || []).filter((file) => IMAGE_TYPES.includes(file.type))
}

// WeChat (and other lazy-loading pages) put the picture in data-src.
export function fixPastedImages(html) {
  if (!html.includes("data-src")) return html
  const doc = new DOMParser().parseFromString(html, "text/html")
  for (const img of doc.querySelectorAll("img[data-src]")) {
    const src = img.getAttribute("src") || ""
    if (!src || src.startsWith("data:") || src.includes("placeholder")) {
      img.setAttribute("src", img.getAttribute("data-src"))
    }
  }
  return doc.body.innerHTML
}

// The editor's own menu is English: its button titles ("bold", "Insert table") and the heading
// menu ("Heading 2") are literals in its bundle. Translate them through Django's JavaScript
// catalogue (window.gettext, from the admin's jsi18n; locale/zh_Hans/LC_MESSAGES/djangojs.po),
// now and whenever the editor redraws its menu.
function translateMenu(menubar) {
  const translate = window.gettext
  if (!translate) return
  const apply = () => {
    for (const element of menubar.querySelectorAll("[title], [aria-label]")) {
      // An icon without a title (the heading menu's "question_mark") is named by its aria-label.
      const title = element.getAttribute("title") || element.getAttribute("aria-label")
      const chinese = translate(title)
      if (chinese === title) continue
      element.setAttribute("title", chinese)
      element.setAttribute("aria-label", chinese)
    }
    for (const element of menubar.querySelectorAll("h1, h2, h3, h4, h5, h6, p, span, option")) {
      if (element.children.length) continue
      const text = element.textContent.trim()
      const chinese = text && translate(text)
      if (chinese && chinese !== text) element.textContent = chinese
    }
  }
  apply()
  new MutationObserver(apply).observe(menubar, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["title"],
  })
  // Its dialogs, added beside the menu, offer choices that are literals too (the table's "Yes" and
  // "No"): show them translated, and keep the value the editor reads back.
  const root = menubar.parentElement
  new MutationObserver(() => {
    for (const option of root.querySelectorAll(".prose-editor-dialog option:not([value])")) {
      const chinese = translate(option.textContent)
      if (chinese === option.textContent) continue
      option.value = option.textContent
      option.textContent = chinese
    }
  }).observe(root, { childList: true })
}

export const YzImages = Extension.create({
  name: "YzImages",

  addOptions() {
    return {
      uploadUrl: "",
      label: "Upload image",
      uploading: "Uploading image…",
      failed: "The image could not be uploaded.",
      accept: IMAGE_TYPES.join(","),
      // 字数 and reading time under the body: "{count}" and "{minutes}" are filled in.
      countLabel: "{count} characters, about {minutes} min to read",
      charactersPerMinute: 400,
    }
  },

  onCreate() {
    const options = this.options
    const editor = this.editor
    const root = editor.view.dom.closest(".prose-editor") || editor.view.dom.parentElement
    const status = document.createElement("p")
    status.className = "yz-editor-status"
    status.setAttribute("role", "status")
    status.setAttribute("aria-live", "polite")
    root.after(status)
    this.storage.status = status

    // 字数 and 阅读时间 while writing: every character but spaces (as Chinese newsrooms count),
    // reading time at options.charactersPerMinute, updated as the body changes.
    const count = document.createElement("p")
    count.className = "yz-editor-count"
    root.append(count)
    const showCount = () => {
      const characters = editor.getText().replace(/\s+/g, "").length
      const minutes = characters ? Math.max(1, Math.ceil(characters / options.charactersPerMinute)) : 0
      count.textContent = options.countLabel.replace("{count}", characters).replace("{minutes}", minutes)
    }
    showCount()
    editor.on("update", showCount)

    const input = document.createElement("input")
    input.type = "file"
    input.accept = options.accept
    input.multiple = true
    input.hidden = true
    input.className = "yz-editor-file"
    const button = document.createElement("button")
    button.type = "button"
    button.className = "prose-menubar__button yz-editor-upload"
    button.title = options.label
    button.setAttribute("aria-label", options.label)
    button.textContent = `🖼 ${options.label}`
    button.addEventListener("click", () => input.click())
    input.addEventListener("change", () => {
      uploadAll(editor, options, status, imageFiles(input.files), null)
      input.value = ""
    })
    const menubar = root.querySelector(".prose-menubar")
    if (menubar) translateMenu(menubar)
    const group = document.createElement("div")
    group.className = "prose-menubar__group"
    group.append(button, input)
    if (menubar) {
      menubar.append(group)
    } else {
      root.before(group)
    }
  },

  addProseMirrorPlugins() {
    const editor = this.editor
    const options = this.options
    const storage = this.storage
    return [
      new Plugin({
        props: {
          transformPastedHTML: fixPastedImages,
          handlePaste(view, event) {
            const files = imageFiles(event.clipboardData && event.clipboardData.files)
            if (!files.length) return false
            const html = event.clipboardData.getData("text/html")
            // Text with pictures (a copied page) is pasted as HTML; a copied picture is a file.
            if (html && /<(p|h[1-6]|li|div|section)\b/i.test(html)) return false
            event.preventDefault()
            uploadAll(editor, options, storage.status, files, null)
            return true
          },
          handleDrop(view, event) {
            const files = imageFiles(event.dataTransfer && event.dataTransfer.files)
            if (!files.length) return false
            event.preventDefault()
            const at = view.posAtCoords({ left: event.clientX, top: event.clientY })
            uploadAll(editor, options, storage.status, files, at ? at.pos : null)
            return true
          },
        },
      }),
    ]
  },
})

async function uploadAll(editor, options, status, files, position) {
  for (const file of files) {
    status.classList.remove("yz-editor-status--error")
    status.textContent = options.uploading
    const body = new FormData()
    body.append("file", file)
    let answer = {}
    let ok = false
    try {
      const response = await fetch(options.uploadUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      })
      answer = await response.json().catch(() => ({}))
      ok = response.ok && answer.url
    } catch {
      ok = false
    }
    if (!ok) {
      status.classList.add("yz-editor-status--error")
      status.textContent = `${file.name}: ${answer.error || options.failed}`
      continue
    }
    const node = editor.schema.nodes.image.create({
      src: answer.url,
      alt: "",
      width: answer.width,
      height: answer.height,
    })
    const { state, dispatch } = editor.view
    const tr =
      position === null ? state.tr.replaceSelectionWith(node) : state.tr.insert(Math.min(position, state.doc.content.size), node)
    dispatch(tr.scrollIntoView())
    position = null
    status.textContent = ""
  }
}
