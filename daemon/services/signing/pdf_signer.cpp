#include "services/signing/pdf_signer.h"

#include "crypto/cms.h"
#include "crypto/random.h"
#include "pdf/inject.h"
#include "pdf/remote.h"

namespace kinvault::services {

PdfSigner::PdfSigner(pdf::PdfGateway& pdf, std::string root_certificate_pem, crypto::CertifiedKey seal,
                     std::string practice_name)
    : m_pdf(pdf), m_root_certificate_pem(std::move(root_certificate_pem)), m_seal(std::move(seal)),
      m_practice_name(std::move(practice_name)) {}

Result<Bytes> PdfSigner::sign_with(const Bytes& pdf, const pdf::SignatureRequest& request,
                                   const crypto::CertifiedKey& key) {
    auto prepared = KV_TRY_VALUE(pdf::remote_prepare(m_pdf, pdf, request));
    auto digest = KV_TRY_VALUE(pdf::byte_range_digest(prepared));
    auto cms = KV_TRY_VALUE(
        crypto::cms_sign(digest, key.private_key_pem, key.certificate_pem, {m_root_certificate_pem}));
    return pdf::inject_signature(prepared, cms);
}

Result<Bytes> PdfSigner::seal(const Bytes& pdf, const std::string& reason, UnixTime when) {
    pdf::SignatureRequest r;
    r.field_name = "practice_seal_" + crypto::random_id("s").substr(2, 8);
    r.page = 0;
    r.rect = pdf::Rect{0, 0, 0, 0}; // invisible: the seal covers the file, it marks no page
    r.reason = reason;
    r.signing_time = when;
    return seal_in(pdf, std::move(r));
}

Result<Bytes> PdfSigner::seal_in(const Bytes& pdf, pdf::SignatureRequest request) {
    request.signer_name = m_practice_name + " (document seal)";
    request.capacity = "Practice seal";
    request.signature_id = crypto::random_id("seal");
    return sign_with(pdf, request, m_seal);
}

} // namespace kinvault::services
