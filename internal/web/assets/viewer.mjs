// Renders the PDFs of the page with the vendored pdf.js: every element with
// data-pdf="URL" gets its pages drawn as canvases. When it carries
// data-enables="ID ...", the controls with those ids are enabled once every
// page is drawn: a leader reads the draft before "Ký số" can be pressed.
import * as pdfjs from "/assets/pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = "/assets/pdfjs/pdf.worker.min.mjs";

for (const box of document.querySelectorAll("[data-pdf]")) {
  try {
    const doc = await pdfjs.getDocument({ url: box.dataset.pdf, isEvalSupported: false }).promise;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale: 1.5 });
      const canvas = document.createElement("canvas");
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      canvas.setAttribute("aria-label", `${box.dataset.title || "PDF"}, trang ${n}/${doc.numPages}`);
      box.appendChild(canvas);
      await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
    }
    box.dataset.rendered = String(doc.numPages);
    for (const id of (box.dataset.enables || "").split(" ")) {
      const control = id && document.getElementById(id);
      if (control) control.disabled = false;
    }
  } catch (e) {
    box.textContent = "Không hiển thị được tài liệu / the document cannot be shown: " + e.message;
  }
}
