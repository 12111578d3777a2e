// Signing PDFs. Every signed file is checked with tools we did not write (poppler's pdfsig, openssl cms,
// qpdf), so the tests prove interoperability rather than agreement with ourselves.
#include "crypto/cms.h"
#include "crypto/secret.h"
#include "pdf/inject.h"
#include "pdf/sign.h"
#include "pdf/verify.h"

#include <botan/data_src.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/pkcs10.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>
#include <botan/system_rng.h>
#include <botan/x509_ca.h>
#include <botan/x509self.h>
#include <catch2/catch.hpp>
#include <podofo/podofo.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

// Shared with test_verify.cpp (same executable; declared there).
namespace kinvault::pdf::testkit {

struct CommandResult {
    int status;
    std::string output;
};

CommandResult run(const std::string& command) {
    CommandResult result{-1, {}};
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

fs::path make_temp_dir() {
    std::string templ = (fs::temp_directory_path() / "kv-sign-test-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    return templ;
}

void write_bytes(const fs::path& path, const Bytes& data) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    REQUIRE(out.good());
}

Bytes read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A small PDF made with PoDoFo, one line of base-14 text per page.
Bytes make_pdf(int pages) {
    PoDoFo::PdfMemDocument doc;
    PoDoFo::PdfFont* font = doc.CreateFont("Helvetica", false, false, false,
                                           PoDoFo::PdfEncodingFactory::GlobalWinAnsiEncodingInstance(),
                                           PoDoFo::PdfFontCache::eFontCreationFlags_AutoSelectBase14, false);
    for (int i = 0; i < pages; ++i) {
        PoDoFo::PdfPage* page =
            doc.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_Letter));
        PoDoFo::PdfPainter painter;
        painter.SetPage(page);
        font->SetFontSize(14);
        painter.SetFont(font);
        painter.DrawText(72, 700, ("Reunification agreement, page " + std::to_string(i + 1)).c_str());
        painter.FinishPage();
    }
    PoDoFo::PdfRefCountedBuffer buffer;
    PoDoFo::PdfOutputDevice device(&buffer);
    doc.Write(&device);
    const auto* begin = reinterpret_cast<const std::uint8_t*>(buffer.GetBuffer());
    return Bytes(begin, begin + device.GetLength());
}

// Throw-away PKI made with Botan directly: an ECDSA P-256 root, an intermediate CA, three P-256 signers and
// an RSA-2048 signer under the root, and one P-256 signer under the intermediate.
struct TestSigner {
    crypto::Secret key_pem;
    std::string cert_pem;
};

struct TestPki {
    std::string root_pem;
    std::string other_root_pem; // an unrelated root, for chain failures
    std::string intermediate_pem;
    std::vector<TestSigner>
        signers; // 0..2 P-256 under root, 3 RSA-2048 under root, 4 P-256 under intermediate
};

namespace {

struct Authority {
    std::unique_ptr<Botan::Private_Key> key;
    std::unique_ptr<Botan::X509_Certificate> cert;
};

Botan::X509_Time at_offset(std::chrono::hours offset) {
    return Botan::X509_Time(std::chrono::system_clock::now() + offset);
}

std::unique_ptr<Botan::Private_Key> new_key(bool rsa) {
    Botan::System_RNG rng;
    if (rsa) {
        return std::make_unique<Botan::RSA_PrivateKey>(rng, 2048);
    }
    return std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp256r1"));
}

Authority make_root(const std::string& name) {
    Botan::System_RNG rng;
    Authority ca;
    ca.key = new_key(false);
    Botan::X509_Cert_Options opts;
    opts.common_name = name;
    opts.organization = "Kinvault test practice";
    opts.CA_key(1);
    opts.start = at_offset(std::chrono::hours(-24));
    opts.end = at_offset(std::chrono::hours(24 * 365));
    ca.cert = std::make_unique<Botan::X509_Certificate>(
        Botan::X509::create_self_signed_cert(opts, *ca.key, "SHA-256", rng));
    return ca;
}

Botan::X509_Certificate issue(const Authority& ca, const Botan::Private_Key& key,
                              Botan::X509_Cert_Options opts) {
    Botan::System_RNG rng;
    const Botan::PKCS10_Request req = Botan::X509::create_cert_req(opts, key, "SHA-256", rng);
    const Botan::X509_CA authority(*ca.cert, *ca.key, "SHA-256", rng);
    return authority.sign_request(req, rng, at_offset(std::chrono::hours(-1)),
                                  at_offset(std::chrono::hours(24 * 30)));
}

TestSigner make_signer(const Authority& ca, const std::string& cn, const std::string& email, bool rsa) {
    const auto key = new_key(rsa);
    Botan::X509_Cert_Options opts;
    opts.common_name = cn;
    opts.email = email;
    opts.add_constraints(Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::NON_REPUDIATION));
    const auto cert = issue(ca, *key, opts);
    return TestSigner{crypto::Secret::from_view(Botan::PKCS8::PEM_encode(*key)), cert.PEM_encode()};
}

} // namespace

const TestPki& pki() {
    static const TestPki instance = [] {
        TestPki p;
        const Authority root = make_root("Kinvault Test Root");
        const Authority other = make_root("Unrelated Root");
        Authority intermediate;
        intermediate.key = new_key(false);
        Botan::X509_Cert_Options opts;
        opts.common_name = "Kinvault Test Signing CA";
        opts.CA_key(0);
        intermediate.cert = std::make_unique<Botan::X509_Certificate>(issue(root, *intermediate.key, opts));
        p.root_pem = root.cert->PEM_encode();
        p.other_root_pem = other.cert->PEM_encode();
        p.intermediate_pem = intermediate.cert->PEM_encode();
        p.signers.push_back(make_signer(root, "Nguyễn Thị Ánh", "anh@example.org", false));
        p.signers.push_back(make_signer(root, "Zoë O'Brien-Núñez", "zoe@example.org", false));
        p.signers.push_back(make_signer(root, "Dr Sam Lee", "sam.lee@example.org", false));
        p.signers.push_back(make_signer(root, "Avery Attorney", "avery@example.org", true));
        p.signers.push_back(make_signer(intermediate, "Practice Seal", "seal@example.org", false));
        return p;
    }();
    return instance;
}

// Independent of pdf/verify.cpp: locates each /ByteRange with a plain text search and cuts out the covered
// bytes and the DER (zero padding stripped by the DER length), as the pdf-signing design note describes.
struct ExtractedSignature {
    std::array<unsigned long long, 4> range;
    Bytes content;
    Bytes der;
};

std::vector<ExtractedSignature> extract_signatures(const Bytes& pdf) {
    const std::string text(pdf.begin(), pdf.end());
    std::vector<ExtractedSignature> out;
    std::vector<std::array<unsigned long long, 4>> seen;
    for (std::size_t pos = text.find("/ByteRange"); pos != std::string::npos;
         pos = text.find("/ByteRange", pos + 1)) {
        std::array<unsigned long long, 4> r{};
        const std::string window = text.substr(pos, 80);
        if (std::sscanf(window.c_str(), "/ByteRange [ %llu %llu %llu %llu", &r[0], &r[1], &r[2], &r[3]) !=
                4 &&
            std::sscanf(window.c_str(), "/ByteRange[ %llu %llu %llu %llu", &r[0], &r[1], &r[2], &r[3]) != 4) {
            continue;
        }
        if (std::find(seen.begin(), seen.end(), r) != seen.end() || r[2] + r[3] > pdf.size()) {
            continue;
        }
        seen.push_back(r);
        ExtractedSignature sig;
        sig.range = r;
        sig.content.assign(pdf.begin(), pdf.begin() + static_cast<long>(r[1]));
        sig.content.insert(sig.content.end(), pdf.begin() + static_cast<long>(r[2]),
                           pdf.begin() + static_cast<long>(r[2] + r[3]));
        const std::string hex = text.substr(r[1] + 1, r[2] - r[1] - 2);
        Bytes der;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            der.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        }
        std::size_t length = der.size();
        if (der.size() > 4 && der[1] == 0x82) {
            length = 4 + (static_cast<std::size_t>(der[2]) << 8 | der[3]);
        } else if (der.size() > 3 && der[1] == 0x81) {
            length = 3 + der[2];
        }
        der.resize(std::min(length, der.size()));
        sig.der = std::move(der);
        out.push_back(std::move(sig));
    }
    return out;
}

CommandResult openssl_cms_verify(const fs::path& dir, const ExtractedSignature& sig,
                                 const std::string& root_pem) {
    write_bytes(dir / "sig.der", sig.der);
    write_bytes(dir / "sig.content", sig.content);
    write_bytes(dir / "root.pem", to_bytes(root_pem));
    return run("openssl cms -verify -cades -binary -inform DER -in " + (dir / "sig.der").string() +
               " -content " + (dir / "sig.content").string() + " -CAfile " + (dir / "root.pem").string() +
               " -purpose any -out /dev/null");
}

Bytes sign_with(const Bytes& pdf, const SignatureRequest& request, const TestSigner& signer,
                const std::vector<std::string>& chain) {
    auto out = sign_with_key(pdf, request, signer.key_pem, signer.cert_pem, chain);
    INFO((out ? std::string() : out.error().message));
    REQUIRE(out.ok());
    return std::move(out->pdf);
}

constexpr UnixTime k_time = 1795453200; // 2026-11-23T17:00:00Z

SignatureRequest request_for(const std::string& field, const std::string& name, const std::string& capacity,
                             Rect rect, int page) {
    SignatureRequest r;
    r.field_name = field;
    r.page = page;
    r.rect = rect;
    r.signer_name = name;
    r.capacity = capacity;
    r.reason = "Reunification agreement";
    r.signature_id = "sig_" + field;
    r.signing_time = k_time;
    return r;
}

// Two parents and a clinician sign in a row; the first parent also fills initials, a date and a checkbox.
Bytes three_signatures(int pages) {
    const auto& p = pki();
    Bytes pdf = make_pdf(pages);
    auto first = request_for("parent_a", "Nguyễn Thị Ánh", "Parent", {72, 100, 220, 60}, 0);
    first.fields.push_back(
        {{"parent_a_initials", FieldKind::initials, "parent_a", pages - 1, {300, 100, 40, 30}},
         "NTA",
         false});
    first.fields.push_back(
        {{"parent_a_date", FieldKind::date, "parent_a", 0, {300, 140, 100, 20}}, "2026-11-23", false});
    first.fields.push_back(
        {{"parent_a_agree", FieldKind::checkbox, "parent_a", 0, {420, 140, 16, 16}}, "", true});
    pdf = sign_with(pdf, first, p.signers[0], {});
    pdf = sign_with(
        pdf, request_for("parent_b", "Zoë O'Brien-Núñez", "Parent", {72, 180, 220, 60}, pages > 1 ? 1 : 0),
        p.signers[1], {});
    pdf = sign_with(pdf, request_for("clinician", "Dr Sam Lee", "Clinician", {72, 260, 220, 60}, pages - 1),
                    p.signers[2], {});
    return pdf;
}

// Narrow entry points for test_verify.cpp, which declares them itself (no shared header in this tree).
const std::string& test_root_pem() {
    return pki().root_pem;
}
const std::string& unrelated_root_pem() {
    return pki().other_root_pem;
}
int run_command(const std::string& command, std::string& output) {
    auto result = run(command);
    output = std::move(result.output);
    return result.status;
}
Bytes sign_as(const Bytes& pdf, int signer, const std::string& field, Rect rect, int page) {
    const auto& s = pki().signers.at(static_cast<std::size_t>(signer));
    return sign_with(pdf, request_for(field, "", "Parent", rect, page), s, {});
}
// The signer's key and certificate as PEM files in `dir` (for tools that sign with them).
void write_signer_files(int signer, const fs::path& key, const fs::path& cert) {
    const auto& s = pki().signers.at(static_cast<std::size_t>(signer));
    write_bytes(key, Bytes(s.key_pem.data(), s.key_pem.data() + s.key_pem.size()));
    write_bytes(cert, to_bytes(s.cert_pem));
}

} // namespace kinvault::pdf::testkit

using namespace kinvault;
using namespace kinvault::pdf;
using namespace kinvault::pdf::testkit;

namespace {

int count(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

struct TempDir {
    fs::path path = make_temp_dir();
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string pdfsig(const Bytes& pdf) {
    TempDir dir;
    write_bytes(dir.path / "signed.pdf", pdf);
    return run("pdfsig -nocert " + (dir.path / "signed.pdf").string()).output;
}

CommandResult qpdf_check(const Bytes& pdf) {
    TempDir dir;
    write_bytes(dir.path / "signed.pdf", pdf);
    return run("qpdf --check " + (dir.path / "signed.pdf").string());
}

void require_valid_everywhere(const Bytes& pdf, std::size_t expected, const std::string& root_pem) {
    const std::string sig = pdfsig(pdf);
    INFO(sig);
    CHECK(count(sig, "Signature is Valid.") == static_cast<int>(expected));
    CHECK(count(sig, "Signature Type: ETSI.CAdES.detached") == static_cast<int>(expected));
    // Only the last signature covers the total document.
    CHECK(count(sig, "Total document signed") == 1);
    CHECK(sig.find("Total document signed", sig.rfind("Signature #")) != std::string::npos);

    const auto qpdf = qpdf_check(pdf);
    INFO(qpdf.output);
    CHECK(qpdf.status == 0);
    CHECK(qpdf.output.find("No syntax or stream encoding errors found") != std::string::npos);

    // Our own verifier agrees.
    auto ours = verify_pdf(pdf, VerifyOptions{{root_pem}, std::nullopt});
    REQUIRE(ours.ok());
    INFO(format_report(*ours));
    CHECK(ours->ok);
    CHECK(ours->signatures.size() == expected);

    TempDir dir;
    const auto signatures = extract_signatures(pdf);
    REQUIRE(signatures.size() == expected);
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        const auto verified = openssl_cms_verify(dir.path, signatures[i], root_pem);
        INFO("signature " << i << ": " << verified.output);
        CHECK(verified.status == 0);
        CHECK(verified.output.find("CAdES Verification successful") != std::string::npos);
    }
}

} // namespace

TEST_CASE(
    "Three signers in a row on a one-page PDF each get a signature that poppler, openssl and qpdf accept") {
    require_valid_everywhere(three_signatures(1), 3, pki().root_pem);
}

TEST_CASE("Three signers in a row on a three-page PDF each get a valid signature on their own page") {
    require_valid_everywhere(three_signatures(3), 3, pki().root_pem);
}

TEST_CASE("An RSA-2048 signer after an ECDSA signer gets a signature poppler and openssl accept") {
    const auto& p = pki();
    Bytes pdf = make_pdf(1);
    pdf = sign_with(pdf, request_for("parent_a", "", "Parent", {72, 100, 220, 60}, 0), p.signers[0], {});
    pdf = sign_with(pdf, request_for("attorney", "", "Attorney", {72, 200, 220, 60}, 0), p.signers[3], {});
    require_valid_everywhere(pdf, 2, p.root_pem);
}

TEST_CASE("A signer certified by an intermediate CA verifies to the root only when the chain is embedded") {
    const auto& p = pki();
    const Bytes plain = make_pdf(1);
    const auto request = request_for("seal", "", "Practice seal", {72, 100, 220, 60}, 0);

    SECTION("with the intermediate embedded, openssl builds the path to the root") {
        require_valid_everywhere(sign_with(plain, request, p.signers[4], {p.intermediate_pem}), 1,
                                 p.root_pem);
    }
    SECTION("without it, openssl cannot find the issuer") {
        const Bytes pdf = sign_with(plain, request, p.signers[4], {});
        TempDir dir;
        const auto verified = openssl_cms_verify(dir.path, extract_signatures(pdf).at(0), p.root_pem);
        INFO(verified.output);
        CHECK(verified.status != 0);
    }
}

TEST_CASE("A final practice seal with an invisible widget covers the whole document after three signers") {
    const auto& p = pki();
    auto seal = request_for("practice_seal", "Kinvault Test Practice", "Practice seal", {0, 0, 0, 0}, 0);
    const Bytes before = three_signatures(1);
    const Bytes pdf = sign_with(before, seal, p.signers[4], {p.intermediate_pem});
    require_valid_everywhere(pdf, 4, p.root_pem);

    const std::string update(pdf.begin() + static_cast<long>(before.size()), pdf.end());
    CHECK(update.find("/Rect[ 0 0 0 0]") != std::string::npos);
    CHECK(update.find("/FontFile2") == std::string::npos); // nothing drawn, so no font embedded
}

TEST_CASE("Signer names outside WinAnsi render in the appearance through an embedded font subset") {
    const Bytes pdf = three_signatures(1);
    TempDir dir;
    write_bytes(dir.path / "signed.pdf", pdf);

    const auto text = run("pdftotext -enc UTF-8 " + (dir.path / "signed.pdf").string() + " -");
    INFO(text.output);
    CHECK(text.output.find("Digitally signed by Nguyễn Thị Ánh") != std::string::npos);
    CHECK(text.output.find("Digitally signed by Zoë O'Brien-Núñez") != std::string::npos);
    CHECK(text.output.find("Capacity: Clinician") != std::string::npos);
    CHECK(text.output.find("Date: 2026-11-23 17:00:00 UTC") != std::string::npos);
    CHECK(text.output.find("Signature ID: sig_parent_b") != std::string::npos);

    const auto fonts = run("pdffonts " + (dir.path / "signed.pdf").string());
    INFO(fonts.output);
    // One embedded subset per signer update, each with its own subset tag (ISO 32000-1 §9.6.4).
    std::vector<std::string> tags;
    std::istringstream lines(fonts.output);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("+DejaVuSans") != std::string::npos) {
            CHECK(line.find("CID TrueType") != std::string::npos);
            CHECK(line.find("yes yes yes") != std::string::npos); // embedded, subset, ToUnicode
            tags.push_back(line.substr(0, 6));
        }
    }
    CHECK(tags.size() == 3);
    std::sort(tags.begin(), tags.end());
    CHECK(std::unique(tags.begin(), tags.end()) == tags.end());
}

TEST_CASE("A signer's own field values live in read-only widgets and never touch page content") {
    const Bytes original = make_pdf(1);
    const Bytes pdf = three_signatures(1);
    TempDir dir;
    write_bytes(dir.path / "original.pdf", original);
    write_bytes(dir.path / "signed.pdf", pdf);

    SECTION("the values are shown") {
        const auto text = run("pdftotext -enc UTF-8 " + (dir.path / "signed.pdf").string() + " -");
        CHECK(text.output.find("NTA") != std::string::npos);
        CHECK(text.output.find("2026-11-23\n") != std::string::npos);
    }
    SECTION("the fields are read-only and carry their values") {
        PoDoFo::PdfMemDocument doc;
        doc.Load((dir.path / "signed.pdf").c_str());
        PoDoFo::PdfAcroForm* form = doc.GetAcroForm(false);
        REQUIRE(form != nullptr);
        int seen = 0;
        for (const auto& ref : form->GetObject()->GetIndirectKey("Fields")->GetArray()) {
            const PoDoFo::PdfObject* field = doc.GetObjects().GetObject(ref.GetReference());
            const std::string name = field->GetDictionary().GetKey("T")->GetString().GetStringUtf8();
            if (name.rfind("parent_a_", 0) == 0) {
                ++seen;
                CHECK(field->GetDictionary().GetKey("Ff")->GetNumber() ==
                      1); // ReadOnly, ISO 32000-1 Table 221
                CHECK(field->GetDictionary().HasKey("AP"));
            }
            if (name == "parent_a_initials") {
                CHECK(field->GetDictionary().GetKey("V")->GetString().GetStringUtf8() == "NTA");
            }
            if (name == "parent_a_agree") {
                CHECK(field->GetDictionary().GetKey("V")->GetName().GetName() == "Yes");
            }
        }
        CHECK(seen == 3);
    }
    SECTION("no update rewrites a page content stream") {
        const auto pages = run("qpdf --show-pages " + (dir.path / "original.pdf").string());
        INFO(pages.output);
        std::smatch match;
        REQUIRE(std::regex_search(pages.output, match, std::regex(R"(content:\s+(\d+) 0 R)")));
        const std::string object = match[1];
        const std::string updates(pdf.begin() + static_cast<long>(original.size()), pdf.end());
        CHECK(updates.find("\n" + object + " 0 obj") == std::string::npos);

        const auto before = run("qpdf --show-object=" + object + " --filtered-stream-data " +
                                (dir.path / "original.pdf").string());
        const auto after = run("qpdf --show-object=" + object + " --filtered-stream-data " +
                               (dir.path / "signed.pdf").string());
        CHECK(before.output == after.output);
        CHECK(before.output.find(" Tj") != std::string::npos);
    }
}

TEST_CASE("Changing one byte of a signed revision makes poppler, openssl and the digest check fail") {
    const auto& p = pki();
    const Bytes pdf = three_signatures(1);
    const auto signatures = extract_signatures(pdf);
    REQUIRE(signatures.size() == 3);

    SECTION("a byte in the original document breaks all three signatures") {
        Bytes tampered = pdf;
        const std::string text(pdf.begin(), pdf.end());
        const auto at = text.find("PoDoFo");
        REQUIRE(at < signatures[0].content.size());
        tampered[at] = 'X';
        const std::string sig = pdfsig(tampered);
        INFO(sig);
        CHECK(count(sig, "Signature is Valid.") == 0);
        CHECK(count(sig, "Digest Mismatch.") == 3);
        auto ours = verify_pdf(tampered, VerifyOptions{{p.root_pem}, std::nullopt});
        REQUIRE(ours.ok());
        CHECK_FALSE(ours->ok);
        CHECK(std::none_of(ours->signatures.begin(), ours->signatures.end(),
                           [](const auto& s) { return s.ok; }));
        TempDir dir;
        for (const auto& extracted : extract_signatures(tampered)) {
            const auto verified = openssl_cms_verify(dir.path, extracted, p.root_pem);
            CHECK(verified.status != 0);
            CHECK(verified.output.find("content verify error") != std::string::npos);
        }
    }
    SECTION("a byte in the last update breaks only the last signature") {
        Bytes tampered = pdf;
        // The Info dictionary PoDoFo rewrites at the start of each update, before the third /Contents.
        const std::string text(pdf.begin(), pdf.end());
        const std::size_t at = text.rfind("PoDoFo");
        REQUIRE(at > signatures[1].range[2] + signatures[1].range[3]);
        REQUIRE(at < signatures[2].range[1]);
        tampered[at] ^= 0x01;
        const std::string sig = pdfsig(tampered);
        INFO(sig);
        CHECK(count(sig, "Signature is Valid.") == 2);
        CHECK(sig.rfind("Signature is Valid.") < sig.rfind("Signature #3"));
        auto ours = verify_pdf(tampered, VerifyOptions{{p.root_pem}, std::nullopt});
        REQUIRE(ours.ok());
        REQUIRE(ours->signatures.size() == 3);
        CHECK(ours->signatures[0].ok);
        CHECK(ours->signatures[1].ok);
        CHECK_FALSE(ours->signatures[2].ok);
    }
}

TEST_CASE("A placeholder too small for the CMS gives a clean error") {
    const auto& p = pki();
    SECTION("through signing") {
        auto request = request_for("attorney", "", "Attorney", {72, 100, 220, 60}, 0);
        request.contents_size = 1024;
        auto out = sign_with_key(make_pdf(1), request, p.signers[3].key_pem, p.signers[3].cert_pem,
                                 {p.intermediate_pem, p.root_pem});
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == Errc::payload_too_large);
    }
    SECTION("through injection") {
        auto request = request_for("parent", "", "Parent", {72, 100, 220, 60}, 0);
        request.contents_size = 1024;
        auto prepared = prepare_signature(make_pdf(1), request);
        REQUIRE(prepared.ok());
        CHECK(inject_signature(*prepared, Bytes(1024, 0x30)).ok());
        auto too_big = inject_signature(*prepared, Bytes(1025, 0x30));
        REQUIRE_FALSE(too_big.ok());
        CHECK(too_big.error().code == Errc::payload_too_large);
    }
}

TEST_CASE(
    "The daemon path (prepare, hash, CMS, inject) and the bring-your-own-key path make valid signatures") {
    const auto& p = pki();
    auto prepared = prepare_signature(
        make_pdf(3), request_for("parent_a", "Nguyễn Thị Ánh", "Parent", {72, 100, 220, 60}, 2));
    REQUIRE(prepared.ok());
    CHECK(prepared->field_name == "parent_a");
    auto digest = byte_range_digest(*prepared);
    REQUIRE(digest.ok());

    SECTION("the byte-range digest is what openssl computes over the covered bytes") {
        TempDir dir;
        Bytes covered(prepared->pdf.begin(),
                      prepared->pdf.begin() + static_cast<long>(prepared->byte_range.length1));
        covered.insert(covered.end(), prepared->pdf.begin() + static_cast<long>(prepared->byte_range.start2),
                       prepared->pdf.end());
        write_bytes(dir.path / "covered", covered);
        const auto dgst = run("openssl dgst -sha256 -r " + (dir.path / "covered").string());
        CHECK(dgst.output.substr(0, 64) == crypto::to_hex(*digest));
    }
    SECTION("server-side key") {
        auto cms = crypto::cms_sign(*digest, p.signers[0].key_pem, p.signers[0].cert_pem, {});
        REQUIRE(cms.ok());
        auto pdf = inject_signature(*prepared, *cms);
        REQUIRE(pdf.ok());
        require_valid_everywhere(*pdf, 1, p.root_pem);
    }
    SECTION("bring your own key: the client signs the attributes, the server assembles and injects") {
        auto attributes = crypto::cms_signed_attributes(*digest, p.signers[3].cert_pem);
        REQUIRE(attributes.ok());
        // The client's side, with Botan directly: the key never reaches our code.
        Botan::DataSource_Memory source(p.signers[3].key_pem.data(), p.signers[3].key_pem.size());
        const auto key = Botan::PKCS8::load_key(source);
        Botan::System_RNG rng;
        Botan::PK_Signer signer(*key, rng, "EMSA3(SHA-256)");
        const auto signature = signer.sign_message(*attributes, rng);
        auto cms = crypto::cms_assemble(*digest, p.signers[3].cert_pem, {}, signature);
        REQUIRE(cms.ok());
        auto pdf = inject_signature(*prepared, *cms);
        REQUIRE(pdf.ok());
        require_valid_everywhere(*pdf, 1, p.root_pem);
    }
}

TEST_CASE("Injection refuses prepared PDFs whose bytes no longer match the recorded range") {
    auto prepared =
        prepare_signature(make_pdf(1), request_for("parent", "", "Parent", {72, 100, 220, 60}, 0));
    REQUIRE(prepared.ok());
    const Bytes der(100, 0x30);

    SECTION("a recorded range that differs from the /ByteRange in the file") {
        auto changed = *prepared;
        changed.byte_range.length2 -= 1;
        changed.pdf.pop_back();
        CHECK_FALSE(inject_signature(changed, der).ok());
    }
    SECTION("offsets beyond the buffer") {
        auto changed = *prepared;
        changed.byte_range = ByteRange{0, UINT64_MAX - 5, UINT64_MAX - 2, 10};
        CHECK_FALSE(inject_signature(changed, der).ok());
        CHECK_FALSE(byte_range_digest(changed).ok());
        changed.byte_range = ByteRange{0, 10, 5, changed.pdf.size()};
        CHECK_FALSE(inject_signature(changed, der).ok());
    }
    SECTION("a placeholder that was already filled") {
        auto filled = inject_signature(*prepared, der);
        REQUIRE(filled.ok());
        auto again = *prepared;
        again.pdf = *filled;
        CHECK_FALSE(inject_signature(again, der).ok());
    }
    SECTION("a placeholder position that is not the gap") {
        auto changed = *prepared;
        changed.contents_offset += 2;
        changed.contents_length -= 2;
        CHECK_FALSE(inject_signature(changed, der).ok());
    }
    SECTION("an empty or truncated buffer") {
        auto changed = *prepared;
        changed.pdf.resize(changed.pdf.size() / 2);
        CHECK_FALSE(byte_range_digest(changed).ok());
        changed.pdf.clear();
        CHECK_FALSE(byte_range_digest(changed).ok());
    }
}

TEST_CASE("PDFs in other shapes PoDoFo loads can be signed twice and stay valid") {
    const auto& p = pki();
    TempDir dir;
    write_bytes(dir.path / "plain.pdf", make_pdf(3));
    const std::string variant = GENERATE(as<std::string>{}, "--object-streams=generate", "--linearize",
                                         "--qdf --object-streams=disable");
    INFO(variant);
    REQUIRE(run("qpdf " + variant + " " + (dir.path / "plain.pdf").string() + " " +
                (dir.path / "variant.pdf").string())
                .status == 0);
    Bytes pdf = read_bytes(dir.path / "variant.pdf");
    pdf = sign_with(pdf, request_for("parent_a", "", "Parent", {72, 100, 220, 60}, 0), p.signers[0], {});
    pdf = sign_with(pdf, request_for("parent_b", "", "Parent", {72, 200, 220, 60}, 2), p.signers[1], {});
    require_valid_everywhere(pdf, 2, p.root_pem);
}

TEST_CASE("Bad requests and unusable PDFs give clean errors") {
    const auto& p = pki();
    const Bytes plain = make_pdf(1);
    const auto request = request_for("parent", "", "Parent", {72, 100, 220, 60}, 0);

    SECTION("a page outside the document") {
        auto r = request;
        r.page = 1;
        auto out = prepare_signature(plain, r);
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == Errc::invalid_input);
    }
    SECTION("a field name that is already taken") {
        const Bytes once = sign_with(plain, request, p.signers[0], {});
        auto out = prepare_signature(once, request);
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == Errc::conflict);
    }
    SECTION("a field name with a period") {
        auto r = request;
        r.field_name = "a.b";
        CHECK(prepare_signature(plain, r).error().code == Errc::invalid_input);
    }
    SECTION("no field name picks the next free SignatureN") {
        auto r = request;
        r.field_name.clear();
        auto first = prepare_signature(plain, r);
        REQUIRE(first.ok());
        CHECK(first->field_name == "Signature1");
    }
    SECTION("a value field declared as a signature") {
        auto r = request;
        r.fields.push_back({{"other", FieldKind::signature, "x", 0, {10, 10, 10, 10}}, "", false});
        CHECK(prepare_signature(plain, r).error().code == Errc::invalid_input);
    }
    SECTION("not a PDF") {
        CHECK(prepare_signature(to_bytes("hello, world"), request).error().code == Errc::unsupported_media);
    }
    SECTION("garbage after a PDF header") {
        Bytes garbage = to_bytes("%PDF-1.7\n");
        for (int i = 0; i < 4096; ++i) {
            garbage.push_back(static_cast<std::uint8_t>((i * 7919) & 0xFF));
        }
        CHECK(prepare_signature(garbage, request).error().code == Errc::unprocessable);
    }
    SECTION("an encrypted PDF") {
        TempDir dir;
        write_bytes(dir.path / "plain.pdf", plain);
        REQUIRE(run("qpdf --encrypt user owner 256 -- " + (dir.path / "plain.pdf").string() + " " +
                    (dir.path / "enc.pdf").string())
                    .status == 0);
        auto out = prepare_signature(read_bytes(dir.path / "enc.pdf"), request);
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == Errc::unprocessable);
    }
    SECTION("a document certified with no changes allowed, but not one that allows form filling") {
        for (const int permission : {1, 2}) {
            PoDoFo::PdfMemDocument doc;
            doc.LoadFromBuffer(reinterpret_cast<const char*>(plain.data()), static_cast<long>(plain.size()));
            PoDoFo::PdfDictionary params;
            params.AddKey("Type", PoDoFo::PdfName("TransformParams"));
            params.AddKey("P", PoDoFo::PdfObject(static_cast<PoDoFo::pdf_int64>(permission)));
            params.AddKey("V", PoDoFo::PdfName("1.2"));
            PoDoFo::PdfDictionary reference;
            reference.AddKey("TransformMethod", PoDoFo::PdfName("DocMDP"));
            reference.AddKey("TransformParams", params);
            PoDoFo::PdfArray references;
            references.push_back(reference);
            PoDoFo::PdfObject* sig = doc.GetObjects().CreateObject("Sig");
            sig->GetDictionary().AddKey("Reference", references);
            PoDoFo::PdfDictionary perms;
            perms.AddKey("DocMDP", sig->Reference());
            doc.GetCatalog()->GetDictionary().AddKey("Perms", perms);
            PoDoFo::PdfRefCountedBuffer buffer;
            PoDoFo::PdfOutputDevice device(&buffer);
            doc.Write(&device);
            const auto* begin = reinterpret_cast<const std::uint8_t*>(buffer.GetBuffer());
            auto out = prepare_signature(Bytes(begin, begin + device.GetLength()), request);
            INFO("P=" << permission);
            if (permission == 1) {
                REQUIRE_FALSE(out.ok());
                CHECK(out.error().code == Errc::conflict);
            } else {
                CHECK(out.ok());
            }
        }
    }
    SECTION("a key that does not belong to the certificate") {
        auto out = sign_with_key(plain, request, p.signers[0].key_pem, p.signers[1].cert_pem, {});
        REQUIRE_FALSE(out.ok());
        CHECK(out.error().code == Errc::invalid_input);
        CHECK(out.error().message.find("does not belong") != std::string::npos);
    }
}

TEST_CASE("sign-local signs a file with key, certificate and chain files") {
    const auto& p = pki();
    TempDir dir;
    write_bytes(dir.path / "in.pdf", make_pdf(1));
    write_bytes(dir.path / "key.pem", Bytes(p.signers[4].key_pem.data(),
                                            p.signers[4].key_pem.data() + p.signers[4].key_pem.size()));
    write_bytes(dir.path / "cert.pem", to_bytes(p.signers[4].cert_pem));
    write_bytes(dir.path / "chain.pem", to_bytes(p.intermediate_pem + p.root_pem));
    SignLocalOptions options;
    options.key_path = (dir.path / "key.pem").string();
    options.certificate_path = (dir.path / "cert.pem").string();
    options.chain_path = (dir.path / "chain.pem").string();
    options.input_path = (dir.path / "in.pdf").string();
    options.output_path = (dir.path / "out.pdf").string();
    options.signing_time = k_time;

    SECTION("the output verifies everywhere and names the certificate's subject") {
        auto result = sign_local(options);
        INFO((result ? std::string() : result.error().message));
        REQUIRE(result.ok());
        CHECK(result->signer_name == "Practice Seal");
        CHECK(result->field_name == "Signature1");
        const Bytes out = read_bytes(dir.path / "out.pdf");
        CHECK(result->output_size == out.size());
        require_valid_everywhere(out, 1, p.root_pem);
    }
    SECTION("a visible widget when a rectangle is given") {
        options.rect = Rect{72, 72, 200, 50};
        REQUIRE(sign_local(options).ok());
        const auto text = run("pdftotext " + options.output_path + " -");
        CHECK(text.output.find("Digitally signed by Practice Seal") != std::string::npos);
    }
    SECTION("a wrong key fails before anything is written") {
        write_bytes(dir.path / "key.pem", Bytes(p.signers[0].key_pem.data(),
                                                p.signers[0].key_pem.data() + p.signers[0].key_pem.size()));
        auto result = sign_local(options);
        REQUIRE_FALSE(result.ok());
        CHECK_FALSE(fs::exists(dir.path / "out.pdf"));
    }
    SECTION("the output may not overwrite the input") {
        options.output_path = options.input_path;
        CHECK(sign_local(options).error().code == Errc::invalid_input);
    }
    SECTION("a missing key file") {
        options.key_path = (dir.path / "nope.pem").string();
        CHECK(sign_local(options).error().code == Errc::not_found);
    }
}
