// Progressive enhancement only: every page works without this file.
'use strict'

function formatBytes (bytes) {
  const units = ['B', 'KB', 'MB', 'GB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  return (unit === 0 || value >= 10 ? value.toFixed(0) : value.toFixed(1)) + ' ' + units[unit]
}

// Upload progress: htmx's XHR transport reports upload progress events on the form.
document.addEventListener('htmx:xhr:progress', function (event) {
  const form = event.target.closest && event.target.closest('[data-upload-form]')
  if (!form || !event.detail.lengthComputable) return
  const box = form.querySelector('[data-upload-progress]')
  const bar = box.querySelector('progress')
  const percent = Math.floor((event.detail.loaded / event.detail.total) * 100)
  box.hidden = false
  bar.value = percent
  box.querySelector('[data-upload-percent]').textContent = percent + '%'
  box.querySelector('[data-upload-sent]').textContent = formatBytes(event.detail.loaded)
  box.querySelector('[data-upload-total]').textContent = formatBytes(event.detail.total)
})

document.addEventListener('htmx:beforeRequest', function (event) {
  const form = event.target.closest && event.target.closest('[data-upload-form]')
  if (!form) return
  const button = form.querySelector('[data-upload-submit]')
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true') }
})
