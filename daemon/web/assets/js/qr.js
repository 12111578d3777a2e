// Draws a QR code for an otpauth:// URI on a canvas, entirely in the browser: the TOTP secret never leaves
// the page for a QR service. Encoding by the qrcode-generator package, served locally.
import qrcode from '/node_modules/qrcode-generator/dist/qrcode.mjs';

export function drawQr(canvas, text) {
  const qr = qrcode(0, 'M'); // type 0: the smallest version that fits
  qr.addData(text, 'Byte');
  qr.make();
  const modules = qr.getModuleCount();
  const quiet = 4; // ISO/IEC 18004 section 6.3.8: four modules of quiet zone
  const scale = 8;
  const size = (modules + 2 * quiet) * scale;
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#000000';
  for (let r = 0; r < modules; r++) {
    for (let c = 0; c < modules; c++) {
      if (qr.isDark(r, c)) ctx.fillRect((c + quiet) * scale, (r + quiet) * scale, scale, scale);
    }
  }
  return modules;
}
