// Offline verification (kinvault verify). Signed inputs come from our signer and from poppler's pdfsig
// (NSS), so the verifier is checked against a producer we did not write; hostile inputs must give clean
// answers.
#include "common/hex.h"
#include "pdf/geometry.h"
#include "pdf/verify.h"

#include <catch2/catch.hpp>
#include <podofo/podofo.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;

// Defined in test_sign.cpp (same executable): the throw-away PKI and PDFs.
namespace kinvault::pdf::testkit {
const std::string& test_root_pem();
const std::string& unrelated_root_pem();
int run_command(const std::string& command, std::string& output);
fs::path make_temp_dir();
void write_bytes(const fs::path& path, const Bytes& data);
Bytes read_bytes(const fs::path& path);
Bytes make_pdf(int pages);
Bytes three_signatures(int pages);
Bytes sign_as(const Bytes& pdf, int signer, const std::string& field, Rect rect, int page);
void write_signer_files(int signer, const fs::path& key, const fs::path& cert);
} // namespace kinvault::pdf::testkit

using namespace kinvault;
using namespace kinvault::pdf;
using namespace kinvault::pdf::testkit;

namespace {

constexpr UnixTime k_time = 1795453200; // 2026-11-23T17:00:00Z, the time three_signatures() claims

struct TempDir {
    fs::path path = make_temp_dir();
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

VerifyReport verify(const Bytes& pdf, std::vector<std::string> roots = {test_root_pem()}) {
    VerifyOptions options;
    options.trusted_roots_pem = std::move(roots);
    auto report = verify_pdf(pdf, options);
    INFO((report ? std::string() : report.error().message));
    REQUIRE(report.ok());
    return std::move(*report);
}

// A cheap, deterministic stream of bytes for building hostile inputs.
Bytes noise(std::size_t size, std::uint32_t seed) {
    Bytes out(size);
    for (auto& b : out) {
        seed = seed * 1103515245u + 12345u;
        b = static_cast<std::uint8_t>(seed >> 16);
    }
    return out;
}

Bytes with_header(const std::string& body) {
    return to_bytes("%PDF-1.7\n" + body);
}

} // namespace

TEST_CASE("Verify lists each signature of a three-signer PDF with the revision it covers") {
    const Bytes pdf = three_signatures(3);
    const VerifyReport report = verify(pdf);
    INFO(format_report(report));

    CHECK(report.ok);
    CHECK(report.chain_checked);
    CHECK(report.file_size == pdf.size());
    CHECK(report.revision_count == 4); // the original and one update per signer
    CHECK_FALSE(report.modified_after_last_signature);
    CHECK(report.bytes_after_last_signature == 0);
    REQUIRE(report.signatures.size() == 3);

    const std::vector<std::string> fields{"parent_a", "parent_b", "clinician"};
    const std::vector<std::string> signers{"Nguyễn Thị Ánh", "Zoë O'Brien-Núñez", "Dr Sam Lee"};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& sig = report.signatures[i];
        CHECK(sig.ok);
        CHECK(sig.field_name == fields[i]);
        CHECK(sig.signer_name == signers[i]);
        CHECK(sig.name_entry == signers[i]);
        CHECK(sig.sub_filter == "ETSI.CAdES.detached");
        CHECK(sig.signing_time == k_time);
        CHECK(sig.revision == static_cast<int>(i) + 2);
        CHECK(sig.covers_whole_file == (i == 2));
        REQUIRE(sig.cms.has_value());
        CHECK(sig.cms->message_digest == crypto::CheckState::passed);
        CHECK(sig.cms->signature == crypto::CheckState::passed);
        CHECK(sig.cms->signing_certificate == crypto::CheckState::passed);
        CHECK(sig.cms->chain == crypto::CheckState::passed);
    }
    CHECK(report.signatures[0].signer_email == "anh@example.org");
    CHECK(report.signatures[0].revision_end < report.signatures[1].revision_end);
    CHECK(report.signatures[2].revision_end == pdf.size());

    const std::string text = format_report(report);
    CHECK(text.find("Signature 2 (field \"parent_b\")") != std::string::npos);
    CHECK(text.find("Covers:     revision 4, bytes 0.." + std::to_string(pdf.size())) != std::string::npos);
    CHECK(text.find("Overall: OK") != std::string::npos);
}

TEST_CASE("Verify agrees with pdfsig on the same files") {
    TempDir dir;
    const Bytes good = three_signatures(1);
    Bytes bad = good;
    bad[100] ^= 0x01; // inside every signature's first range
    for (const auto& [pdf, valid] : {std::pair{good, 3}, std::pair{bad, 0}}) {
        write_bytes(dir.path / "f.pdf", pdf);
        std::string output;
        run_command("pdfsig -nocert " + (dir.path / "f.pdf").string(), output);
        int poppler_valid = 0;
        for (std::size_t at = output.find("Signature is Valid."); at != std::string::npos;
             at = output.find("Signature is Valid.", at + 1)) {
            ++poppler_valid;
        }
        const VerifyReport report = verify(pdf);
        const auto ours = std::count_if(report.signatures.begin(), report.signatures.end(),
                                        [](const auto& s) { return s.ok; });
        CHECK(poppler_valid == valid);
        CHECK(ours == valid);
        CHECK(report.ok == (valid == 3));
    }
}

TEST_CASE("Certificate chains are checked against the roots given, and only then") {
    const Bytes pdf = three_signatures(1);

    SECTION("without a root the signatures verify and the chain is reported as not checked") {
        const VerifyReport report = verify(pdf, {});
        CHECK(report.ok);
        CHECK_FALSE(report.chain_checked);
        for (const auto& sig : report.signatures) {
            CHECK(sig.cms->chain == crypto::CheckState::not_checked);
        }
        CHECK(format_report(report).find("Certificate chains were not checked") != std::string::npos);
    }
    SECTION("an unrelated root fails every chain") {
        const VerifyReport report = verify(pdf, {unrelated_root_pem()});
        CHECK_FALSE(report.ok);
        for (const auto& sig : report.signatures) {
            CHECK_FALSE(sig.ok);
            CHECK(sig.cms->chain == crypto::CheckState::failed);
            CHECK(sig.cms->signature == crypto::CheckState::passed);
        }
    }
    SECTION("certificates are judged at the validation time") {
        VerifyOptions options;
        options.trusted_roots_pem = {test_root_pem()};
        options.validation_time = k_time + 10LL * 365 * 24 * 3600; // long after the test certificates expire
        auto report = verify_pdf(pdf, options);
        REQUIRE(report.ok());
        CHECK_FALSE(report->ok);
        CHECK(report->signatures[0].cms->chain == crypto::CheckState::failed);
    }
}

TEST_CASE("One changed byte in a signed revision fails exactly the signatures that cover it") {
    const Bytes pdf = three_signatures(1);
    const VerifyReport clean = verify(pdf);
    REQUIRE(clean.signatures.size() == 3);

    SECTION("in the original document: all three fail on the message digest") {
        Bytes tampered = pdf;
        tampered[50] ^= 0x20;
        const VerifyReport report = verify(tampered);
        CHECK_FALSE(report.ok);
        for (const auto& sig : report.signatures) {
            CHECK_FALSE(sig.ok);
            CHECK(sig.cms->message_digest == crypto::CheckState::failed);
        }
    }
    SECTION("in the last update: only the last fails") {
        Bytes tampered = pdf;
        const std::size_t at = clean.signatures[1].revision_end + 10;
        tampered[at] ^= 0x20;
        const VerifyReport report = verify(tampered);
        CHECK_FALSE(report.ok);
        CHECK(report.signatures[0].ok);
        CHECK(report.signatures[1].ok);
        CHECK_FALSE(report.signatures[2].ok);
    }
    SECTION("anywhere in any covered range, sampled") {
        const auto& r = clean.signatures[2].byte_range;
        for (std::size_t at = 0; at < pdf.size(); at += 997) {
            if (at >= r.length1 && at < r.start2) {
                continue; // the last /Contents hole is not signed by design
            }
            Bytes tampered = pdf;
            tampered[at] ^= 0x01;
            auto report = verify_pdf(tampered, {});
            if (!report.ok()) {
                CHECK(at < 8); // a damaged %PDF- header is refused outright
                continue;
            }
            CHECK_FALSE(report->ok);
        }
    }
}

TEST_CASE("A change after the last signature is reported") {
    const Bytes pdf = three_signatures(1);

    SECTION("appended bytes") {
        Bytes changed = pdf;
        const std::string extra = "1 0 obj\n<< /Type /Catalog >>\nendobj\n";
        changed.insert(changed.end(), extra.begin(), extra.end());
        const VerifyReport report = verify(changed);
        CHECK_FALSE(report.ok);
        CHECK(report.modified_after_last_signature);
        CHECK(report.bytes_after_last_signature == extra.size());
        CHECK(report.signatures.size() == 3);
        CHECK(std::all_of(report.signatures.begin(), report.signatures.end(),
                          [](const auto& s) { return s.ok; }));
        CHECK_FALSE(report.signatures[2].covers_whole_file);
    }
    SECTION("an incremental update written by PoDoFo") {
        PoDoFo::PdfMemDocument doc;
        doc.LoadFromBuffer(reinterpret_cast<const char*>(pdf.data()), static_cast<long>(pdf.size()), true);
        doc.GetInfo()->SetTitle(PoDoFo::PdfString("changed after signing"));
        PoDoFo::PdfRefCountedBuffer buffer;
        PoDoFo::PdfOutputDevice device(&buffer);
        doc.WriteUpdate(&device, true);
        const auto* begin = reinterpret_cast<const std::uint8_t*>(buffer.GetBuffer());
        const Bytes changed(begin, begin + device.GetLength());
        const VerifyReport report = verify(changed);
        CHECK_FALSE(report.ok);
        CHECK(report.modified_after_last_signature);
        CHECK(report.revision_count == 5);
        CHECK(report.signatures.size() == 3);
    }
    SECTION("trailing whitespace alone is not a change") {
        Bytes changed = pdf;
        changed.push_back('\n');
        const VerifyReport report = verify(changed);
        CHECK(report.ok);
        CHECK(report.bytes_after_last_signature == 1);
        CHECK_FALSE(report.modified_after_last_signature);
    }
}

TEST_CASE("A PDF signed by poppler with NSS verifies, and fails once changed") {
    TempDir dir;
    std::string output;
    const auto db = dir.path / "nss";
    fs::create_directories(db);
    write_signer_files(3, dir.path / "key.pem",
                       dir.path / "cert.pem"); // RSA: pdfsig's ECDSA signing is flaky
    REQUIRE(run_command("certutil -N -d sql:" + db.string() + " --empty-password", output) == 0);
    REQUIRE(run_command("openssl pkcs12 -export -inkey " + (dir.path / "key.pem").string() + " -in " +
                            (dir.path / "cert.pem").string() + " -name attorney -passout pass: -out " +
                            (dir.path / "id.p12").string(),
                        output) == 0);
    REQUIRE(run_command("pk12util -i " + (dir.path / "id.p12").string() + " -d sql:" + db.string() + " -W ''",
                        output) == 0);
    write_bytes(dir.path / "in.pdf", make_pdf(1));
    INFO(output);
    REQUIRE(run_command("pdfsig -add-signature -nssdir sql:" + db.string() +
                            " -nick attorney -reason Agreed " + (dir.path / "in.pdf").string() + " " +
                            (dir.path / "out.pdf").string(),
                        output) == 0);
    const Bytes pdf = read_bytes(dir.path / "out.pdf");

    const VerifyReport report = verify(pdf);
    INFO(format_report(report));
    CHECK(report.ok);
    REQUIRE(report.signatures.size() == 1);
    CHECK(report.signatures[0].sub_filter == "adbe.pkcs7.detached");
    CHECK(report.signatures[0].signer_name == "Avery Attorney");
    CHECK(report.signatures[0].reason == "Agreed");
    CHECK(report.signatures[0].covers_whole_file);

    Bytes tampered = pdf;
    tampered[20] ^= 0x01;
    CHECK_FALSE(verify(tampered).ok);
}

TEST_CASE("An unsigned PDF is reported as having no signatures, and a non-PDF is an error") {
    const VerifyReport report = verify(make_pdf(1));
    CHECK_FALSE(report.ok);
    CHECK(report.signatures.empty());
    CHECK(report.revision_count == 1);

    auto not_pdf = verify_pdf(to_bytes("just some text"), {});
    REQUIRE_FALSE(not_pdf.ok());
    CHECK(not_pdf.error().code == Errc::unsupported_media);
    CHECK_FALSE(verify_pdf({}, {}).ok());
}

TEST_CASE("Truncated signed PDFs never verify and never crash") {
    const Bytes pdf = three_signatures(1);
    std::vector<std::size_t> cuts;
    for (std::size_t at = 8; at < pdf.size(); at += 211) {
        cuts.push_back(at);
    }
    // Around each signature dictionary, where the scanner does the most work.
    const std::string text(pdf.begin(), pdf.end());
    for (std::size_t at = 0; (at = text.find("/ByteRange", at + 1)) != std::string::npos;) {
        for (std::size_t d = 0; d < 120; ++d) {
            cuts.push_back(at + d);
        }
    }
    for (const std::size_t cut : cuts) {
        const Bytes part(pdf.begin(), pdf.begin() + static_cast<long>(std::min(cut, pdf.size() - 1)));
        auto report = verify_pdf(part, {});
        if (report.ok()) {
            CHECK_FALSE(report->ok);
        }
    }
}

TEST_CASE("Hostile signature dictionaries give clean, failing reports") {
    const auto expect_failure = [](const Bytes& pdf) {
        auto report = verify_pdf(pdf, {});
        REQUIRE(report.ok());
        CHECK_FALSE(report->ok);
        return std::move(*report);
    };

    SECTION("a byte range pointing past the end of the file") {
        const auto report = expect_failure(with_header(
            "1 0 obj\n<</Type/Sig/ByteRange[0 99999999999 99999999999 99999999999]/Contents<00>>>\n"
            "endobj\n%%EOF\n"));
        REQUIRE(report.signatures.size() == 1);
        CHECK(report.signatures[0].problems.at(0).find("outside the file") != std::string::npos);
    }
    SECTION("a byte range with huge, negative or non-numeric entries") {
        expect_failure(with_header("<</ByteRange[0 18446744073709551615 1 1]/Contents<00>>>%%EOF\n"));
        expect_failure(with_header("<</ByteRange[0 -5 10 -3]/Contents<00>>>%%EOF\n"));
        expect_failure(with_header("<</ByteRange[/a (b) <c> [d]]/Contents<00>>>%%EOF\n"));
        expect_failure(with_header("<</ByteRange 12 0 R/Contents<00>>>%%EOF\n"));
    }
    SECTION("a byte range whose gap is not the /Contents string") {
        const std::string body = "1 0 obj\n<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 5]"
                                 "/Contents<3000>>>\nendobj\n%%EOF\n";
        const auto report = expect_failure(with_header(body));
        REQUIRE(report.signatures.size() == 1);
        CHECK(report.signatures[0].problems.at(0).find("exclude exactly") != std::string::npos);
    }
    SECTION("a correct gap around contents that are not CMS") {
        for (const std::string contents :
             {"00", "3082FFFF", "30030201", "3080", "0000", "ZZ", "3003020101"}) {
            // Zero-padded numbers (valid PDF integers) keep every offset fixed while they are filled in.
            std::string body = "%PDF-1.7\n1 0 obj\n<</Type/Sig/SubFilter/ETSI.CAdES.detached/ByteRange[0 "
                               "@@@@@@@@@@ ########## $$$$$$$$$$]/Contents<" +
                               contents + ">>>\nendobj\n%%EOF\n";
            const std::size_t lt = body.find("/Contents<") + 9;
            const std::size_t after = lt + contents.size() + 2;
            const auto fill = [&](char mark, std::size_t value) {
                char digits[11];
                std::snprintf(digits, sizeof digits, "%010zu", value);
                body.replace(body.find(std::string(10, mark)), 10, digits);
            };
            fill('@', lt);
            fill('#', after);
            fill('$', body.size() - after);
            const auto report = expect_failure(to_bytes(body));
            if (contents == "ZZ") {
                CHECK(report.signatures.empty()); // not even a hex string: the dictionary does not parse
                continue;
            }
            REQUIRE(report.signatures.size() == 1);
            CHECK_FALSE(report.signatures[0].ok);
            CHECK(report.signatures[0].problems.at(0).find("exclude exactly") == std::string::npos);
        }
    }
    SECTION("unsupported signature types") {
        expect_failure(
            with_header("<</ByteRange[0 1 2 3]/SubFilter/adbe.x509.rsa_sha1/Contents<00>>>%%EOF\n"));
    }
    SECTION("deep nesting before a /ByteRange") {
        std::string deep;
        for (int i = 0; i < 100000; ++i) {
            deep += "<<[";
        }
        expect_failure(with_header(deep + "/ByteRange[0 1 2 3]/Contents<00>%%EOF\n"));
    }
    SECTION("unterminated strings and dictionaries") {
        expect_failure(with_header("<</ByteRange[0 1 2 3]/Contents<0000"));
        expect_failure(with_header("<</ByteRange[0 1 2 3]/M(never closed /Contents<00>>>"));
        expect_failure(with_header("<</ByteRange[0 1 2 3"));
        expect_failure(with_header("/ByteRange"));
    }
    SECTION("many /ByteRange keys") {
        std::string many;
        for (int i = 0; i < 5000; ++i) {
            many += "<</ByteRange[0 1 2 3]/Contents<00>>>\n";
        }
        const auto report = expect_failure(with_header(many + "%%EOF\n"));
        CHECK(report.signatures.size() <= 256);
    }
    SECTION("random bytes after a PDF header") {
        for (std::uint32_t seed = 1; seed <= 20; ++seed) {
            Bytes pdf = to_bytes("%PDF-1.7\n");
            const Bytes random = noise(20000, seed);
            pdf.insert(pdf.end(), random.begin(), random.end());
            const std::string marker = "/ByteRange[0 5 10 20]/Contents<3082>";
            pdf.insert(pdf.begin() + 5000, marker.begin(),
                       marker.end()); // give the scanner something to chew on
            expect_failure(pdf);
        }
    }
}
