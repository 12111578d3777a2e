// The practice certificate authority (Botan X509_CA). One self-signed ECDSA P-256 root per practice issues
// the TLS server certificate and one certificate per signer (RFC 5280 profiles below).
#pragma once

#include "common/clock.h"
#include "common/hex.h"
#include "common/result.h"
#include "crypto/secret.h"

#include <string>
#include <vector>

namespace kinvault::crypto {

// A PKCS#8 private key in PEM lives only inside a Secret; certificates are public PEM text.
struct KeyPair {
    Secret private_key_pem;
    std::string public_key_pem;
};

struct CertifiedKey {
    Secret private_key_pem;
    std::string certificate_pem;
};

struct SubjectName {
    std::string common_name;
    std::string email;        // optional; goes into subjectAltName rfc822Name
    std::string organization; // optional
};

// Generates an ECDSA P-256 key pair.
[[nodiscard]] Result<KeyPair> generate_p256_key();

// A self-signed root: CA:TRUE, pathLen 0, keyCertSign + cRLSign, valid `years` years from `now`.
[[nodiscard]] Result<CertifiedKey> create_root_ca(const std::string& practice_name, UnixTime now, int years);

// A TLS server certificate for the given DNS names and IP addresses (serverAuth EKU).
[[nodiscard]] Result<CertifiedKey> issue_tls_certificate(const CertifiedKey& root,
                                                         const std::vector<std::string>& dns_names,
                                                         const std::vector<std::string>& ip_addresses,
                                                         UnixTime now, int days);

// A document-signing certificate for one signer (digitalSignature + nonRepudiation, emailProtection and
// documentSigning EKUs). The caller passes the signer's public key (PEM) so the key can be generated and
// wrapped elsewhere.
[[nodiscard]] Result<std::string> issue_signer_certificate(const CertifiedKey& root,
                                                           const std::string& public_key_pem,
                                                           const SubjectName& subject, UnixTime now,
                                                           int days);

// SHA-256 fingerprint of a certificate's DER, as colon-separated upper-case hex (as openssl prints it).
[[nodiscard]] Result<std::string> certificate_fingerprint(const std::string& certificate_pem);

} // namespace kinvault::crypto
