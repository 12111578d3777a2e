// CMS SignedData (RFC 5652) for PDF signatures: detached, eContentType id-data, one SignerInfo, as PAdES
// baseline B-B wants it (ETSI EN 319 142-1 §5.3 / EN 319 122-1 §5.2). Botan 2 has no CMS, so the structures
// are encoded here with Botan's DER encoder and parsed with its BER decoder.
//
// Signed attributes: content-type, message-digest and signing-certificate-v2 (RFC 5035 ESSCertIDv2 with the
// SHA-256 of the signer certificate and its issuerSerial). No signing-time attribute: PAdES puts the claimed
// time in the signature dictionary's /M instead. Keys: ECDSA P-256 (ecdsa-with-SHA256) or RSA >= 2048
// (PKCS#1 v1.5, SHA-256).
#pragma once

#include "common/clock.h"
#include "common/hex.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "crypto/sha256.h"

#include <optional>
#include <string>
#include <vector>

namespace kinvault::crypto {

// What a certificate says about its subject, in the form the CLI and the certificate of completion print.
struct CertificateInfo {
    std::string common_name;
    std::string email;         // subjectAltName rfc822Name or the subject's emailAddress; may be empty
    std::string serial_hex;    // upper-case hex of the serial number
    std::string subject;       // RFC 4514-like one-line form
    std::string issuer;        // idem
    std::string fingerprint;   // SHA-256 of the DER, colon-separated upper-case hex (as openssl prints it)
    std::string key_algorithm; // "ECDSA P-256", "RSA-2048", ...
    UnixTime not_before{0};
    UnixTime not_after{0};
    std::string certificate_pem;
};

[[nodiscard]] Result<CertificateInfo> describe_certificate(const std::string& certificate_pem);

// Splits a PEM bundle (e.g. a --chain file) into one PEM text per certificate; an error if any block does
// not parse as an X.509 certificate or the bundle holds none.
[[nodiscard]] Result<std::vector<std::string>> split_certificate_bundle(const std::string& pem_bundle);

// One-step signing with a PKCS#8 PEM private key (unencrypted) held in a Secret. `chain_pem` are the
// certificates to embed after the signer's (intermediates, optionally the root). Fails cleanly when the key
// does not match the certificate or is of an unsupported type.
[[nodiscard]] Result<Bytes> cms_sign(const Digest& content_digest, const Secret& private_key_pem,
                                     const std::string& certificate_pem,
                                     const std::vector<std::string>& chain_pem);

// Checks that a PEM private key is usable for PDF signatures and belongs to the certificate, without
// signing anything (so callers can fail fast before expensive work).
[[nodiscard]] Status cms_check_signer(const Secret& private_key_pem, const std::string& certificate_pem);

// Two-phase signing for keys that never come here (bring your own certificate, tokens).
// Phase 1: the DER encoding, as a SET (tag 0x31), of the signed attributes for this digest and certificate;
// the external signer signs exactly these bytes (RFC 5652 §5.4). The encoding is deterministic.
[[nodiscard]] Result<Bytes> cms_signed_attributes(const Digest& content_digest,
                                                  const std::string& certificate_pem);
// What the external signer does with phase 1's bytes; provided so clients use the same algorithms as
// cms_sign (ECDSA signatures DER-encoded as SEQUENCE { r, s }, RSA PKCS#1 v1.5 with SHA-256).
[[nodiscard]] Result<Bytes> cms_sign_attributes(const Bytes& signed_attributes,
                                                const Secret& private_key_pem);
// Phase 2: rebuilds the signed attributes from the digest and certificate, checks that `signature` verifies
// over them with the certificate's key (so a wrong or foreign signature is refused here, not discovered by a
// relying party years later), and assembles the ContentInfo.
[[nodiscard]] Result<Bytes> cms_assemble(const Digest& content_digest, const std::string& certificate_pem,
                                         const std::vector<std::string>& chain_pem, const Bytes& signature);

enum class CheckState { passed, failed, not_checked };
[[nodiscard]] const char* to_string(CheckState state) noexcept;

struct CmsVerifyOptions {
    // PEM roots a chain must end in. Empty: the chain is reported as not_checked (it is not a failure).
    std::vector<std::string> trusted_roots_pem;
    // Time at which the certificate path is validated; unset means now.
    std::optional<UnixTime> validation_time;
};

struct CmsVerification {
    CertificateInfo signer;                           // empty when the signer certificate is not in the CMS
    std::vector<CertificateInfo> certificates;        // every certificate the CMS carries
    CheckState content_type{CheckState::not_checked}; // content-type attribute is id-data
    CheckState message_digest{CheckState::not_checked};
    CheckState signature{CheckState::not_checked};
    bool signing_certificate_present{false}; // ESS signing-certificate-v2 attribute present
    CheckState signing_certificate{CheckState::not_checked};
    CheckState chain{CheckState::not_checked};
    std::string chain_detail;          // Botan's path-validation status text
    std::vector<std::string> problems; // one human-readable line per failed check

    // content type, message digest and signature pass, the ESS binding (if present) matches and the chain did
    // not fail.
    [[nodiscard]] bool ok() const noexcept;
};

// Parses and verifies a detached CMS SignedData over a content whose SHA-256 is `content_digest`.
// Malformed or unsupported structures give an error (Errc::invalid_input); a well-formed CMS that fails a
// check gives a CmsVerification whose problems say which.
[[nodiscard]] Result<CmsVerification> cms_verify(const Bytes& cms_der, const Digest& content_digest,
                                                 const CmsVerifyOptions& options);

} // namespace kinvault::crypto
