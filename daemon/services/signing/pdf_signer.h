// Putting a PAdES signature into a PDF: the sandboxed worker prepares the incremental update, this process
// hashes the byte range and makes the CMS (no key ever enters the worker), then writes it into the
// placeholder. Also the practice's own seal, over executed documents and certificates of completion.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "crypto/ca.h"
#include "pdf/gateway.h"
#include "pdf/sign.h"

#include <string>

namespace kinvault::services {

class PdfSigner {
public:
    PdfSigner(pdf::PdfGateway& pdf, std::string root_certificate_pem, crypto::CertifiedKey seal,
              std::string practice_name);

    [[nodiscard]] Result<Bytes> sign_with(const Bytes& pdf, const pdf::SignatureRequest& request,
                                          const crypto::CertifiedKey& key);
    // An invisible practice seal over the whole file.
    [[nodiscard]] Result<Bytes> seal(const Bytes& pdf, const std::string& reason, UnixTime when);
    // The practice seal in a given signature field (`request` names field, place, reason and time).
    [[nodiscard]] Result<Bytes> seal_in(const Bytes& pdf, pdf::SignatureRequest request);

private:
    pdf::PdfGateway& m_pdf;
    std::string m_root_certificate_pem; // the chain sent with every signature
    crypto::CertifiedKey m_seal;
    std::string m_practice_name;
};

} // namespace kinvault::services
