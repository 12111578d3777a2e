// CMS SignedData for PDF signatures. Keys and certificates are made by the openssl command line, and every
// CMS we produce is checked by openssl (cms -verify -cades, cms -cmsout -print); CMS made by openssl is
// checked by us. Neither side is tested only against itself.
#include "crypto/cms.h"
#include "crypto/secret.h"
#include "crypto/sha256.h"

#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>
#include <botan/x509cert.h>
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;
using namespace kinvault;
using namespace kinvault::crypto;

namespace {

struct Command {
    int status;
    std::string output;
};

Command run(const std::string& command) {
    Command result{-1, {}};
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

void write_file(const fs::path& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out << data;
}

void write_file(const fs::path& path, const Bytes& data) {
    write_file(path, to_string(data));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A throw-away PKI made with the openssl command line: a P-256 root; P-256 and RSA-2048 signers under it;
// a second certificate for the first signer's key; an unrelated root; keys openssl writes as PKCS#8 PEM.
class OpensslPki {
public:
    OpensslPki() {
        std::string templ = (fs::temp_directory_path() / "kv-cms-test-XXXXXX").string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        m_dir = templ;
        write_file(m_dir / "signer.ext", "basicConstraints=CA:FALSE\n"
                                         "keyUsage=critical,digitalSignature,nonRepudiation\n"
                                         "subjectAltName=email:anh@example.org\n");
        make_key("root", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
        make_key("other_root", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
        make_key("ec", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
        make_key("rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
        make_key("rsa1024", "-algorithm RSA -pkeyopt rsa_keygen_bits:1024");
        make_key("ed25519", "-algorithm ED25519");
        must("openssl req -x509 -new -key " + path("root.key") +
             " -subj '/CN=Kinvault Test Root/O=Practice'" + " -days 30 -out " + path("root.pem"));
        must("openssl req -x509 -new -key " + path("other_root.key") +
             " -subj '/CN=Unrelated Root' -days 30 -out " + path("other_root.pem"));
        issue("ec", "ec", "/CN=Nguyễn Thị Ánh");
        issue("ec_again", "ec", "/CN=Same Key Other Name");
        issue("rsa", "rsa", "/CN=Avery Attorney");
        issue("rsa1024", "rsa1024", "/CN=Weak Key");
        issue("ed25519", "ed25519", "/CN=Edwards");
    }
    ~OpensslPki() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    OpensslPki(const OpensslPki&) = delete;
    OpensslPki& operator=(const OpensslPki&) = delete;

    std::string path(const std::string& name) const { return (m_dir / name).string(); }
    std::string cert(const std::string& name) const { return read_file(m_dir / (name + ".pem")); }
    Secret key(const std::string& name) const {
        return Secret::from_view(read_file(m_dir / (name + ".key")));
    }
    const fs::path& dir() const { return m_dir; }

private:
    static void must(const std::string& command) {
        const auto result = run(command);
        INFO(command << "\n" << result.output);
        REQUIRE(result.status == 0);
    }
    void make_key(const std::string& name, const std::string& options) {
        must("openssl genpkey " + options + " -out " + path(name + ".key"));
    }
    void issue(const std::string& name, const std::string& key, const std::string& subject) {
        must("openssl req -new -utf8 -key " + path(key + ".key") + " -subj '" + subject + "' -out " +
             path(name + ".csr"));
        must("openssl x509 -req -in " + path(name + ".csr") + " -CA " + path("root.pem") + " -CAkey " +
             path("root.key") + " -CAcreateserial -days 30 -extfile " + path("signer.ext") + " -out " +
             path(name + ".pem"));
    }

    fs::path m_dir;
};

const OpensslPki& pki() {
    static const OpensslPki instance;
    return instance;
}

const std::string k_content = "the bytes a PDF /ByteRange covers";

Digest content_digest() {
    return sha256(k_content);
}

Command openssl_verify(const Bytes& der, const std::string& content, const std::string& root) {
    const auto& p = pki();
    write_file(p.dir() / "check.der", der);
    write_file(p.dir() / "check.content", content);
    return run("openssl cms -verify -cades -binary -inform DER -in " + p.path("check.der") + " -content " +
               p.path("check.content") + " -CAfile " + p.path(root + ".pem") +
               " -purpose any -out /dev/null");
}

CmsVerification verify_ok(const Bytes& der, const Digest& digest, std::vector<std::string> roots) {
    CmsVerifyOptions options;
    options.trusted_roots_pem = std::move(roots);
    auto result = cms_verify(der, digest, options);
    INFO((result ? std::string() : result.error().message));
    REQUIRE(result.ok());
    return std::move(*result);
}

// A CMS whose ESS signing-certificate-v2 names `named_cert` while the SignerInfo, the certificate set and
// the signature belong to `signer_cert` and its key: the substitution RFC 5035 exists to catch.
Bytes cms_with_foreign_ess(const std::string& signer_cert, const Secret& signer_key,
                           const std::string& named_cert) {
    auto attributes = cms_signed_attributes(content_digest(), named_cert);
    REQUIRE(attributes.ok());
    auto signature = cms_sign_attributes(*attributes, signer_key);
    REQUIRE(signature.ok());
    Botan::DataSource_Memory source(signer_cert);
    const Botan::X509_Certificate cert(source);
    const Botan::AlgorithmIdentifier sha256_id("SHA-256", Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);
    Bytes implicit_attributes = *attributes;
    implicit_attributes[0] = 0xA0;
    Bytes signer_info;
    Botan::DER_Encoder(signer_info)
        .start_cons(Botan::SEQUENCE)
        .encode(std::size_t{1})
        .start_cons(Botan::SEQUENCE)
        .raw_bytes(cert.raw_issuer_dn())
        .encode(Botan::BigInt(cert.serial_number()))
        .end_cons()
        .encode(sha256_id)
        .raw_bytes(implicit_attributes)
        .encode(Botan::AlgorithmIdentifier(Botan::OID{1, 2, 840, 10045, 4, 3, 2},
                                           Botan::AlgorithmIdentifier::USE_EMPTY_PARAM))
        .encode(*signature, Botan::OCTET_STRING)
        .end_cons();
    Bytes signed_data;
    Botan::DER_Encoder(signed_data)
        .start_cons(Botan::SEQUENCE)
        .encode(std::size_t{1})
        .start_cons(Botan::SET)
        .encode(sha256_id)
        .end_cons()
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID{1, 2, 840, 113549, 1, 7, 1})
        .end_cons()
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .raw_bytes(cert.BER_encode())
        .end_cons()
        .start_cons(Botan::SET)
        .raw_bytes(signer_info)
        .end_cons()
        .end_cons();
    Bytes out;
    Botan::DER_Encoder(out)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID{1, 2, 840, 113549, 1, 7, 2})
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .raw_bytes(signed_data)
        .end_cons()
        .end_cons();
    return out;
}

} // namespace

TEST_CASE("A CMS signature openssl verifies with -cades against the root") {
    const auto& p = pki();
    const std::string signer = GENERATE(as<std::string>{}, "ec", "rsa");
    INFO(signer);
    auto der = cms_sign(content_digest(), p.key(signer), p.cert(signer), {p.cert("root")});
    INFO((der ? std::string() : der.error().message));
    REQUIRE(der.ok());

    SECTION("openssl cms -verify -cades accepts it") {
        const auto verified = openssl_verify(*der, k_content, "root");
        INFO(verified.output);
        CHECK(verified.status == 0);
        CHECK(verified.output.find("CAdES Verification successful") != std::string::npos);
    }
    SECTION(
        "openssl prints a detached id-data SignedData with the three PAdES attributes and no signing time") {
        write_file(p.dir() / "print.der", *der);
        const auto printed = run("openssl cms -cmsout -print -inform DER -in " + p.path("print.der"));
        INFO(printed.output);
        REQUIRE(printed.status == 0);
        CHECK(printed.output.find("contentType: pkcs7-signedData") != std::string::npos);
        CHECK(printed.output.find("eContentType: pkcs7-data") != std::string::npos);
        CHECK(printed.output.find("eContent: <ABSENT>") != std::string::npos);
        CHECK(printed.output.find("object: contentType") != std::string::npos);
        CHECK(printed.output.find("object: messageDigest") != std::string::npos);
        CHECK(printed.output.find("object: id-smime-aa-signingCertificateV2") != std::string::npos);
        CHECK(printed.output.find("signingTime") == std::string::npos);
        CHECK(printed.output.find("algorithm: sha256") != std::string::npos);
    }
    SECTION("our verifier passes every check and names the signer") {
        const auto report = verify_ok(*der, content_digest(), {p.cert("root")});
        CHECK(report.ok());
        CHECK(report.problems.empty());
        CHECK(report.content_type == CheckState::passed);
        CHECK(report.message_digest == CheckState::passed);
        CHECK(report.signature == CheckState::passed);
        CHECK(report.signing_certificate_present);
        CHECK(report.signing_certificate == CheckState::passed);
        CHECK(report.chain == CheckState::passed);
        CHECK(report.signer.common_name == (signer == "ec" ? "Nguyễn Thị Ánh" : "Avery Attorney"));
        CHECK(report.signer.email == "anh@example.org");
        CHECK(report.certificates.size() == 2); // signer and the root passed as chain
    }
    SECTION("content that differs by one byte fails for openssl and for us") {
        std::string changed = k_content;
        changed[0] ^= 0x01;
        CHECK(openssl_verify(*der, changed, "root").status != 0);
        const auto report = verify_ok(*der, sha256(changed), {p.cert("root")});
        CHECK_FALSE(report.ok());
        CHECK(report.message_digest == CheckState::failed);
        CHECK(report.signature == CheckState::passed);
    }
}

TEST_CASE("Certificate details match what openssl reports for the same certificate") {
    const auto& p = pki();
    auto info = describe_certificate(p.cert("ec"));
    REQUIRE(info.ok());
    const auto fingerprint = run("openssl x509 -noout -fingerprint -sha256 -in " + p.path("ec.pem"));
    CHECK(fingerprint.output.find("=" + info->fingerprint + "\n") != std::string::npos);
    const auto serial = run("openssl x509 -noout -serial -in " + p.path("ec.pem"));
    CHECK(serial.output == "serial=" + info->serial_hex + "\n");
    CHECK(info->common_name == "Nguyễn Thị Ánh");
    CHECK(info->email == "anh@example.org");
    CHECK(info->issuer == "CN=Kinvault Test Root, O=Practice");
    CHECK(info->key_algorithm == "ECDSA P-256");
    CHECK(info->not_after > info->not_before);
}

TEST_CASE("CMS made by openssl verifies with our parser, including BER indefinite lengths") {
    const auto& p = pki();
    write_file(p.dir() / "content", k_content);
    const std::string base = "openssl cms -sign -binary -md sha256 -cades -in " + p.path("content") +
                             " -signer " + p.path("ec.pem") + " -inkey " + p.path("ec.key") +
                             " -outform DER -out " + p.path("openssl.der");

    SECTION("definite lengths") {
        REQUIRE(run(base).status == 0);
        const auto report =
            verify_ok(to_bytes(read_file(p.dir() / "openssl.der")), content_digest(), {p.cert("root")});
        CHECK(report.ok());
        CHECK(report.signing_certificate_present);
        CHECK(report.signing_certificate == CheckState::passed);
        CHECK(report.signer.common_name == "Nguyễn Thị Ánh");
    }
    SECTION("streamed, indefinite-length encoding with the content inside: refused as not detached") {
        // (Detached indefinite-length CMS, as NSS writes it, is covered by the pdfsig test in test_verify.)
        REQUIRE(run(base + " -stream").status == 0);
        const Bytes der = to_bytes(read_file(p.dir() / "openssl.der"));
        REQUIRE(der.size() > 2);
        CHECK(der[1] == 0x80); // really indefinite
        auto result = cms_verify(der, content_digest(), {});
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().message.find("not detached") != std::string::npos);
    }
    SECTION("without signed attributes: refused cleanly") {
        std::string noattr = base;
        noattr.replace(noattr.find(" -cades"), 7, "");
        REQUIRE(run(noattr + " -noattr").status == 0);
        auto result = cms_verify(to_bytes(read_file(p.dir() / "openssl.der")), content_digest(), {});
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
    }
}

TEST_CASE("The two-phase path produces the same verifiable CMS as signing in one step") {
    const auto& p = pki();
    auto attributes = cms_signed_attributes(content_digest(), p.cert("ec"));
    REQUIRE(attributes.ok());
    CHECK(attributes->at(0) == 0x31); // the signer signs the SET encoding (RFC 5652 §5.4)

    // The external signer: Botan directly, as a client holding the key would.
    const Secret key = p.key("ec");
    Botan::DataSource_Memory source(key.data(), key.size());
    const auto private_key = Botan::PKCS8::load_key(source);
    Botan::System_RNG rng;
    Botan::PK_Signer signer(*private_key, rng, "EMSA1(SHA-256)", Botan::DER_SEQUENCE);
    const Bytes signature = signer.sign_message(*attributes, rng);

    auto assembled = cms_assemble(content_digest(), p.cert("ec"), {}, signature);
    REQUIRE(assembled.ok());
    auto one_step = cms_sign(content_digest(), key, p.cert("ec"), {});
    REQUIRE(one_step.ok());

    SECTION("byte for byte (ECDSA nonces are deterministic, RFC 6979)") {
        CHECK(*assembled == *one_step);
    }
    SECTION("openssl verifies it") {
        const auto verified = openssl_verify(*assembled, k_content, "root");
        INFO(verified.output);
        CHECK(verified.status == 0);
    }
    SECTION("cms_sign_attributes is the same external step") {
        auto ours = cms_sign_attributes(*attributes, key);
        REQUIRE(ours.ok());
        CHECK(cms_assemble(content_digest(), p.cert("ec"), {}, *ours).ok());
    }
    SECTION("a signature by another key is refused at assembly") {
        auto foreign = cms_sign_attributes(*attributes, p.key("rsa"));
        REQUIRE(foreign.ok());
        auto result = cms_assemble(content_digest(), p.cert("ec"), {}, *foreign);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
    }
    SECTION("a signature over another digest is refused at assembly") {
        CHECK_FALSE(cms_assemble(sha256(std::string_view("other")), p.cert("ec"), {}, signature).ok());
    }
}

TEST_CASE("The signing-certificate-v2 attribute binds the signature to the signer's certificate") {
    const auto& p = pki();
    // Same key, different certificate: the signature verifies, but the ESS hash names another certificate.
    const Bytes der = cms_with_foreign_ess(p.cert("ec"), p.key("ec"), p.cert("ec_again"));
    const auto report = verify_ok(der, content_digest(), {p.cert("root")});
    CHECK(report.signature == CheckState::passed);
    CHECK(report.signing_certificate_present);
    CHECK(report.signing_certificate == CheckState::failed);
    CHECK_FALSE(report.ok());
    // openssl's CAdES check agrees.
    CHECK(openssl_verify(der, k_content, "root").status != 0);
    // Control: the same construction naming the right certificate passes both.
    const Bytes good = cms_with_foreign_ess(p.cert("ec"), p.key("ec"), p.cert("ec"));
    CHECK(verify_ok(good, content_digest(), {p.cert("root")}).ok());
    CHECK(openssl_verify(good, k_content, "root").status == 0);
}

TEST_CASE("Chains are validated against the given roots at the given time") {
    const auto& p = pki();
    auto der = cms_sign(content_digest(), p.key("ec"), p.cert("ec"), {});
    REQUIRE(der.ok());

    SECTION("no roots: not checked, still ok") {
        const auto report = verify_ok(*der, content_digest(), {});
        CHECK(report.chain == CheckState::not_checked);
        CHECK(report.ok());
    }
    SECTION("an unrelated root: failed") {
        const auto report = verify_ok(*der, content_digest(), {p.cert("other_root")});
        CHECK(report.chain == CheckState::failed);
        CHECK_FALSE(report.ok());
        CHECK(openssl_verify(*der, k_content, "other_root").status != 0);
    }
    SECTION("after the certificate expired: failed") {
        CmsVerifyOptions options;
        options.trusted_roots_pem = {p.cert("root")};
        options.validation_time = SystemClock().now() + 90LL * 24 * 3600;
        auto report = cms_verify(*der, content_digest(), options);
        REQUIRE(report.ok());
        CHECK(report->chain == CheckState::failed);
    }
    SECTION("a root file that is not a certificate: failed, with the reason") {
        const auto report = verify_ok(*der, content_digest(), {"not a certificate"});
        CHECK(report.chain == CheckState::failed);
        CHECK_FALSE(report.problems.empty());
    }
}

TEST_CASE("Keys we cannot use for PDF signatures are refused with a clear error") {
    const auto& p = pki();
    const auto refused = [&](const Secret& key, const std::string& cert, const std::string& why) {
        auto result = cms_sign(content_digest(), key, cert, {});
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
        CHECK(result.error().message.find(why) != std::string::npos);
    };
    SECTION("Ed25519 (pdfsig and OpenSSL 3 cannot verify it in a PDF)") {
        refused(p.key("ed25519"), p.cert("ed25519"), "unsupported key type");
    }
    SECTION("RSA under 2048 bits") {
        refused(p.key("rsa1024"), p.cert("rsa1024"), "2048");
    }
    SECTION("a key that is not the certificate's") {
        refused(p.key("rsa"), p.cert("ec"), "does not belong");
    }
    SECTION("garbage instead of a key") {
        refused(Secret::from_view("-----BEGIN nonsense"), p.cert("ec"), "parse");
    }
    SECTION("an empty key") {
        refused(Secret(), p.cert("ec"), "empty");
    }
    SECTION("garbage instead of a certificate") {
        refused(p.key("ec"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate");
    }
}

TEST_CASE("Malformed CMS gives an error, never a crash or a pass") {
    const auto& p = pki();
    auto der = cms_sign(content_digest(), p.key("ec"), p.cert("ec"), {p.cert("root")});
    REQUIRE(der.ok());
    const CmsVerifyOptions options{{p.cert("root")}, std::nullopt};

    SECTION("garbage and empty input") {
        CHECK_FALSE(cms_verify({}, content_digest(), options).ok());
        CHECK_FALSE(cms_verify(to_bytes("not DER at all"), content_digest(), options).ok());
        CHECK_FALSE(cms_verify(Bytes{0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}, content_digest(), options).ok());
        CHECK_FALSE(cms_verify(Bytes(1000, 0x30), content_digest(), options).ok());
    }
    SECTION("every truncation") {
        for (std::size_t n = 0; n < der->size(); ++n) {
            const Bytes part(der->begin(), der->begin() + static_cast<long>(n));
            CHECK_FALSE(cms_verify(part, content_digest(), options).ok());
        }
    }
    SECTION("trailing bytes") {
        Bytes longer = *der;
        longer.push_back(0x00);
        longer.push_back(0x01);
        CHECK_FALSE(cms_verify(longer, content_digest(), options).ok());
    }
    SECTION("every flipped bit in the signed attributes and the signature value fails") {
        auto attributes = cms_signed_attributes(content_digest(), p.cert("ec"));
        REQUIRE(attributes.ok());
        Bytes implicit = *attributes;
        implicit[0] = 0xA0;
        const auto at = std::search(der->begin(), der->end(), implicit.begin(), implicit.end());
        REQUIRE(at != der->end());
        const std::size_t begin = static_cast<std::size_t>(at - der->begin());
        // The ECDSA signature value closes the DER: its last 64 bytes hold most of r and s.
        std::vector<std::size_t> positions;
        for (std::size_t i = begin + 2; i < begin + implicit.size(); ++i) {
            positions.push_back(i);
        }
        for (std::size_t i = der->size() - 64; i < der->size(); ++i) {
            positions.push_back(i);
        }
        for (const std::size_t i : positions) {
            for (int bit = 0; bit < 8; bit += 3) {
                Bytes flipped = *der;
                flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
                auto result = cms_verify(flipped, content_digest(), options);
                if (result.ok()) {
                    INFO("offset " << i << " bit " << bit);
                    CHECK_FALSE(result->ok());
                }
            }
        }
    }
}

TEST_CASE("Certificate bundles split into one PEM per certificate") {
    const auto& p = pki();
    auto split = split_certificate_bundle("subject=...\n" + p.cert("ec") + "issuer=...\n" + p.cert("root"));
    REQUIRE(split.ok());
    CHECK(split->size() == 2);
    CHECK_FALSE(split_certificate_bundle("no certificates here").ok());
    CHECK_FALSE(split_certificate_bundle("-----BEGIN CERTIFICATE-----\nAAAA").ok());
}
