#include "crypto/ca.h"

#include "crypto/pem.h"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <botan/x509_key.h>
#include <botan/x509cert.h>
#include <botan/x509self.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <sodium.h>

namespace kinvault::crypto {

Secret pem_encode_secret(const std::uint8_t* der, std::size_t size, std::string_view label) {
    ensure_sodium();
    const std::size_t b64_len = sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL);
    Secret b64(b64_len);
    sodium_bin2base64(reinterpret_cast<char*>(b64.data()), b64_len, der, size,
                      sodium_base64_VARIANT_ORIGINAL);
    const std::size_t text_len = b64_len - 1; // without the terminating NUL
    const std::string begin = "-----BEGIN " + std::string(label) + "-----\n";
    const std::string end = "-----END " + std::string(label) + "-----\n";
    const std::size_t lines = (text_len + 63) / 64;
    Secret out(begin.size() + text_len + lines + end.size());
    std::uint8_t* p = out.data();
    std::memcpy(p, begin.data(), begin.size());
    p += begin.size();
    for (std::size_t i = 0; i < text_len; i += 64) {
        const std::size_t n = std::min<std::size_t>(64, text_len - i);
        std::memcpy(p, b64.data() + i, n);
        p += n;
        *p++ = '\n';
    }
    std::memcpy(p, end.data(), end.size());
    return out;
}

namespace {

Botan::X509_Time to_x509_time(UnixTime t) {
    return Botan::X509_Time(std::chrono::system_clock::time_point(std::chrono::seconds(t)));
}

Secret private_key_pem(const Botan::Private_Key& key) {
    const Botan::secure_vector<std::uint8_t> der = Botan::PKCS8::BER_encode(key);
    return pem_encode_secret(der.data(), der.size(), "PRIVATE KEY");
}

std::unique_ptr<Botan::Private_Key> load_private_key(const Secret& pem, Botan::RandomNumberGenerator& rng) {
    Botan::DataSource_Memory source(pem.data(), pem.size());
    (void)rng;
    return Botan::PKCS8::load_key(source);
}

Result<CertifiedKey> make_certified(const Botan::Private_Key& key, const Botan::X509_Certificate& cert) {
    return CertifiedKey{private_key_pem(key), cert.PEM_encode()};
}

std::vector<std::uint8_t> key_id_of(const std::vector<std::uint8_t>& public_key_bits) {
    // RFC 5280 section 4.2.1.2 method (1) uses SHA-1 of the key bits; a truncated SHA-256 is equally valid.
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    const Botan::secure_vector<std::uint8_t> digest = hash->process(public_key_bits);
    return {digest.begin(), digest.begin() + 20};
}

std::vector<std::uint8_t> subject_public_key_bits(const Botan::Public_Key& key) {
    return key.public_key_bits();
}

Result<Botan::X509_Certificate> sign_certificate(const CertifiedKey& root,
                                                 const Botan::Public_Key& subject_key,
                                                 const Botan::X509_DN& subject_dn,
                                                 Botan::Extensions extensions, UnixTime now, int days) {
    Botan::AutoSeeded_RNG rng;
    const Botan::X509_Certificate root_cert(
        std::vector<std::uint8_t>(root.certificate_pem.begin(), root.certificate_pem.end()));
    const std::unique_ptr<Botan::Private_Key> root_key = load_private_key(root.private_key_pem, rng);
    Botan::AlgorithmIdentifier sig_algo;
    std::unique_ptr<Botan::PK_Signer> signer(Botan::choose_sig_format(*root_key, rng, "SHA-256", sig_algo));

    const std::vector<std::uint8_t> spki = Botan::X509::BER_encode(subject_key);
    extensions.add(
        new Botan::Cert_Extension::Subject_Key_ID(key_id_of(subject_public_key_bits(subject_key))));
    extensions.add(new Botan::Cert_Extension::Authority_Key_ID(root_cert.subject_key_id()));

    // Back-date by five minutes so a verifier whose clock lags slightly still accepts a fresh certificate.
    return Botan::X509_CA::make_cert(signer.get(), rng, sig_algo, spki, to_x509_time(now - 300),
                                     to_x509_time(now + static_cast<UnixTime>(days) * 86400),
                                     root_cert.subject_dn(), subject_dn, extensions);
}

} // namespace

Result<KeyPair> generate_p256_key() {
    try {
        Botan::AutoSeeded_RNG rng;
        const Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group("secp256r1"));
        return KeyPair{private_key_pem(key), Botan::X509::PEM_encode(key)};
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("key generation failed: ") + e.what());
    }
}

Result<CertifiedKey> create_root_ca(const std::string& practice_name, UnixTime now, int years) {
    try {
        Botan::AutoSeeded_RNG rng;
        const Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group("secp256r1"));
        Botan::X509_Cert_Options opts;
        opts.common_name = practice_name + " Root CA";
        opts.organization = practice_name;
        opts.start = to_x509_time(now - 300);
        opts.end = to_x509_time(now + static_cast<UnixTime>(years) * 365 * 86400);
        // pathLen 0: the root signs end-entity certificates only (RFC 5280 section 4.2.1.9).
        opts.CA_key(0);
        opts.constraints = Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN);
        const Botan::X509_Certificate cert = Botan::X509::create_self_signed_cert(opts, key, "SHA-256", rng);
        return make_certified(key, cert);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("could not create the practice root CA: ") + e.what());
    }
}

Result<CertifiedKey> issue_tls_certificate(const CertifiedKey& root,
                                           const std::vector<std::string>& dns_names,
                                           const std::vector<std::string>& ip_addresses, UnixTime now,
                                           int days) {
    try {
        Botan::AutoSeeded_RNG rng;
        const Botan::ECDSA_PrivateKey key(rng, Botan::EC_Group("secp256r1"));
        Botan::X509_DN dn;
        dn.add_attribute("X520.CommonName", dns_names.empty() ? std::string("localhost") : dns_names.front());
        Botan::Extensions ext;
        ext.add(new Botan::Cert_Extension::Basic_Constraints(false), true);
        ext.add(new Botan::Cert_Extension::Key_Usage(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE)), true);
        ext.add(new Botan::Cert_Extension::Extended_Key_Usage({Botan::OID::from_string("PKIX.ServerAuth")}));
        Botan::AlternativeName alt;
        for (const auto& name : dns_names) {
            alt.add_attribute("DNS", name);
        }
        for (const auto& ip : ip_addresses) {
            alt.add_attribute("IP", ip);
        }
        ext.add(new Botan::Cert_Extension::Subject_Alternative_Name(alt));
        auto cert = KV_TRY_VALUE(sign_certificate(root, key, dn, ext, now, days));
        return make_certified(key, cert);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("could not issue the TLS certificate: ") + e.what());
    }
}

Result<std::string> issue_signer_certificate(const CertifiedKey& root, const std::string& public_key_pem,
                                             const SubjectName& subject, UnixTime now, int days) {
    try {
        Botan::DataSource_Memory source(public_key_pem);
        const std::unique_ptr<Botan::Public_Key> key(Botan::X509::load_key(source));
        Botan::X509_DN dn;
        dn.add_attribute("X520.CommonName", subject.common_name);
        if (!subject.organization.empty()) {
            dn.add_attribute("X520.Organization", subject.organization);
        }
        Botan::Extensions ext;
        ext.add(new Botan::Cert_Extension::Basic_Constraints(false), true);
        ext.add(new Botan::Cert_Extension::Key_Usage(
                    Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION)),
                true);
        // emailProtection and Adobe's/ETSI document-signing purposes (1.3.6.1.5.5.7.3.36 is
        // id-kp-documentSigning, RFC 9336).
        ext.add(new Botan::Cert_Extension::Extended_Key_Usage(
            {Botan::OID::from_string("PKIX.EmailProtection"), Botan::OID("1.3.6.1.5.5.7.3.36")}));
        if (!subject.email.empty()) {
            ext.add(
                new Botan::Cert_Extension::Subject_Alternative_Name(Botan::AlternativeName(subject.email)));
        }
        auto cert = KV_TRY_VALUE(sign_certificate(root, *key, dn, ext, now, days));
        return cert.PEM_encode();
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("could not issue the signer certificate: ") + e.what());
    }
}

Result<std::string> certificate_fingerprint(const std::string& certificate_pem) {
    try {
        const Botan::X509_Certificate cert(
            std::vector<std::uint8_t>(certificate_pem.begin(), certificate_pem.end()));
        return cert.fingerprint("SHA-256");
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_input, std::string("not a certificate: ") + e.what());
    }
}

} // namespace kinvault::crypto
