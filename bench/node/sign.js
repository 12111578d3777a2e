// Benchmark peer for bench/run-signing.sh: one whole-process signature with @signpdf, the library several
// open-source e-signature products build on. Usage: node sign.js KEY.p12 IN.pdf OUT.pdf
// The PKCS#12 file has an empty password, like the unencrypted PEM key kinvault sign-local reads and the
// passwordless NSS database pdfsig uses. SubFilter ETSI.CAdES.detached, as kinvault writes.
'use strict';

const fs = require('fs');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const { P12Signer } = require('@signpdf/signer-p12');
const { SUBFILTER_ETSI_CADES_DETACHED } = require('@signpdf/utils');
const signpdf = require('@signpdf/signpdf').default;

async function main() {
  const [p12Path, inPath, outPath] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node sign.js KEY.p12 IN.pdf OUT.pdf');
    process.exit(2);
  }
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: fs.readFileSync(inPath),
    reason: 'Benchmark signature',
    contactInfo: 'bench@localhost',
    name: 'Bench Signer',
    location: 'localhost',
    signatureLength: 8192,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
  });
  const signer = new P12Signer(fs.readFileSync(p12Path), { passphrase: '' });
  const signed = await signpdf.sign(withPlaceholder, signer);
  fs.writeFileSync(outPath, signed);
}

main().catch((e) => {
  console.error(`sign.js: ${e.message}`);
  process.exit(1);
});
