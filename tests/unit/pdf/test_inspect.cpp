// Intake inspection: the hostile corpus through the real sandboxed worker, the lexical pre-scan on its own,
// and the corpus itself checked against third-party tools (qpdf, poppler) so our expectations are not
// circular.
#include "hostile_pdfs.h"
#include "pdf/gateway.h"
#include "pdf/inspect.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using kinvault::Bytes;
using kinvault::Errc;
using kinvault::to_bytes;
using kinvault::pdf::GatewayConfig;
using kinvault::pdf::IntakeLimits;
using kinvault::pdf::IntakeRefusal;
using kinvault::pdf::PdfGateway;
using kinvault::pdf::prescan;
using kinvault::pdf::refusal_of;
using kinvault::test::hostile_corpus;
using kinvault::test::hostile_pdf;

GatewayConfig worker_config() {
    GatewayConfig config;
    config.worker_path = KINVAULT_PDF_WORKER;
    return config;
}

std::optional<IntakeRefusal> scan(std::string_view text, IntakeLimits limits = {}) {
    return prescan(to_bytes(text), limits);
}

// A scratch directory for files handed to third-party tools; removed when the test ends.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "kv-inspect-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    std::string write(const std::string& name, const Bytes& bytes) const {
        std::string path = (m_path / name).string();
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        return path;
    }
    Bytes read(const std::string& name) const {
        std::ifstream in(m_path / name, std::ios::binary);
        return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    [[nodiscard]] std::string path(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

struct Command {
    int exit_code;
    std::string output;
};

// Runs a fixed command line built from our own file names (no user input) and captures stdout.
Command run_command(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    return Command{WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

} // namespace

TEST_CASE("every file of the hostile corpus gets its expected verdict from the sandboxed worker",
          "[inspect]") {
    PdfGateway gateway(worker_config());
    for (const auto& entry : hostile_corpus()) {
        DYNAMIC_SECTION(entry.name << ": " << entry.description) {
            const auto result = gateway.inspect(entry.bytes);
            if (entry.expected_refusal) {
                REQUIRE_FALSE(result.ok());
                INFO("message: " << result.error().message);
                REQUIRE(refusal_of(result.error()) == entry.expected_refusal);
            } else {
                INFO("error: " << (result.ok() ? std::string() : result.error().message));
                REQUIRE(result.ok());
                CHECK(result->page_count == entry.expected_report.page_count);
                CHECK(result->pdf_version == entry.expected_report.pdf_version);
                CHECK(result->encrypted == entry.expected_report.encrypted);
                CHECK(result->signature_fields == entry.expected_report.signature_fields);
                CHECK(result->signatures == entry.expected_report.signatures);
            }
        }
    }
}

TEST_CASE("the corpus's valid files are valid to qpdf and poppler, with the page counts we expect",
          "[inspect]") {
    const TempDir dir;
    for (const auto& entry : hostile_corpus()) {
        if (entry.expected_refusal) {
            continue;
        }
        DYNAMIC_SECTION(entry.name) {
            const std::string path = dir.write(entry.name + ".pdf", entry.bytes);
            CHECK(run_command("qpdf --check '" + path + "'").exit_code == 0);
            const Command info = run_command("pdfinfo '" + path + "'");
            REQUIRE(info.exit_code == 0);
            CHECK_THAT(info.output, Catch::Contains("Pages:           " +
                                                    std::to_string(entry.expected_report.page_count) + "\n"));
        }
    }
}

TEST_CASE("the corpus's encrypted files really are encrypted, as qpdf and poppler see them", "[inspect]") {
    const TempDir dir;
    SECTION("the password-protected file needs its user password and opens with it") {
        const std::string path = dir.write("protected.pdf", hostile_pdf("password-protected").bytes);
        // qpdf --requires-password: 0 = a password is required, 3 = encrypted without a user password.
        CHECK(run_command("qpdf --requires-password '" + path + "'").exit_code == 0);
        CHECK_THAT(run_command("pdftotext -upw kinvault-user '" + path + "' -").output,
                   Catch::StartsWith("Encrypted page 1\n"));
        CHECK(run_command("pdftotext '" + path + "' -").exit_code != 0);
    }
    SECTION("the owner-only file is encrypted but opens without a password") {
        const std::string path = dir.write("owner.pdf", hostile_pdf("valid-encrypted-owner-only").bytes);
        CHECK(run_command("qpdf --requires-password '" + path + "'").exit_code == 3);
        CHECK_THAT(run_command("pdftotext '" + path + "' -").output, Catch::StartsWith("Encrypted page 1\n"));
    }
}

TEST_CASE("AES-256 encryption made by qpdf is refused with a user password and accepted without",
          "[inspect]") {
    const TempDir dir;
    const std::string plain = dir.write("plain.pdf", kinvault::test::valid_pdf(2));
    PdfGateway gateway(worker_config());
    SECTION("with a user password") {
        REQUIRE(run_command("qpdf --encrypt secret-user secret-owner 256 -- '" + plain + "' '" +
                            dir.path("user.pdf") + "'")
                    .exit_code == 0);
        const auto result = gateway.inspect(dir.read("user.pdf"));
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::password_protected);
        CHECK(result.error().code == Errc::unprocessable);
        CHECK(result.error().message ==
              "This PDF is protected by a password; please upload an unprotected copy.");
    }
    SECTION("with an owner password only") {
        REQUIRE(run_command("qpdf --encrypt '' secret-owner 256 -- '" + plain + "' '" +
                            dir.path("owner.pdf") + "'")
                    .exit_code == 0);
        const auto result = gateway.inspect(dir.read("owner.pdf"));
        REQUIRE(result.ok());
        CHECK(result->encrypted);
        CHECK(result->page_count == 2);
    }
}

TEST_CASE("the PDF version is the header's, raised but never lowered by the catalog /Version", "[inspect]") {
    PdfGateway gateway(worker_config());
    SECTION("header only") {
        const auto result = gateway.inspect(kinvault::test::valid_pdf(1, "v", "1.6"));
        REQUIRE(result.ok());
        CHECK(result->pdf_version == "1.6");
    }
    SECTION("a higher catalog /Version wins (PDF 32000 7.7.2)") {
        const auto result = gateway.inspect(kinvault::test::valid_pdf(1, "v", "1.4", "/Version /1.7"));
        REQUIRE(result.ok());
        CHECK(result->pdf_version == "1.7");
    }
    SECTION("a lower catalog /Version is ignored") {
        const auto result = gateway.inspect(kinvault::test::valid_pdf(1, "v", "1.6", "/Version /1.3"));
        REQUIRE(result.ok());
        CHECK(result->pdf_version == "1.6");
    }
    SECTION("PDF 2.0") {
        const auto result = gateway.inspect(kinvault::test::valid_pdf(1, "v", "2.0"));
        REQUIRE(result.ok());
        CHECK(result->pdf_version == "2.0");
    }
}

TEST_CASE("signature fields are counted, and signed ones separately", "[inspect]") {
    PdfGateway gateway(worker_config());
    const auto none = gateway.inspect(kinvault::test::valid_pdf(1));
    const auto some = gateway.inspect(kinvault::test::pdf_with_signature_fields(3, 2));
    REQUIRE(none.ok());
    REQUIRE(some.ok());
    CHECK(none->signature_fields == 0);
    CHECK(none->signatures == 0);
    CHECK(some->signature_fields == 5);
    CHECK(some->signatures == 2);
}

TEST_CASE("the pre-scan sniffs the PDF header within the first 1024 bytes", "[inspect][prescan]") {
    SECTION("an empty input is empty, not 'not a PDF'") {
        CHECK(scan("") == IntakeRefusal::empty);
    }
    SECTION("a header ending exactly at byte 1024 counts") {
        CHECK(scan(std::string(1019, ' ') + "%PDF-1.7\n") == std::nullopt);
    }
    SECTION("a header starting one byte later does not") {
        CHECK(scan(std::string(1020, ' ') + "%PDF-1.7\n") == IntakeRefusal::not_a_pdf);
    }
    SECTION("text and images are not PDFs") {
        CHECK(scan("Hello") == IntakeRefusal::not_a_pdf);
        CHECK(scan("\x89PNG\r\n\x1a\n") == IntakeRefusal::not_a_pdf);
    }
}

TEST_CASE("the pre-scan measures nesting of dictionaries and arrays only", "[inspect][prescan]") {
    IntakeLimits limits;
    limits.max_depth = 3;
    SECTION("dictionaries at the limit pass, one more is too deep") {
        CHECK(scan("%PDF-1.4\n<< /A << /B << /C 1 >> >> >>", limits) == std::nullopt);
        CHECK(scan("%PDF-1.4\n<< /A << /B << /C << /D 1 >> >> >> >>", limits) == IntakeRefusal::too_deep);
    }
    SECTION("arrays and dictionaries add up") {
        CHECK(scan("%PDF-1.4\n[ << /A [ 1 ] >> ]", limits) == std::nullopt);
        CHECK(scan("%PDF-1.4\n[ << /A [ [ 1 ] ] >> ]", limits) == IntakeRefusal::too_deep);
    }
    SECTION("depth is per object, not cumulative across siblings") {
        CHECK(scan("%PDF-1.4\n[[[1]]] [[[2]]] << /A << /B [3] >> >>", limits) == std::nullopt);
    }
    SECTION("brackets inside strings, hex strings, names and comments do not nest") {
        CHECK(scan("%PDF-1.4\n(([[[[<<<<\\)) <5b5b5b5b> % [[[[[[\n/N[ame]", limits) == std::nullopt);
    }
    SECTION("stream data is skipped, whatever bytes it holds") {
        CHECK(scan("%PDF-1.4\n1 0 obj << /Length 8 >> stream\n[[[[<<<<\nendstream endobj", limits) ==
              std::nullopt);
    }
    SECTION("nesting hidden in a Flate-compressed object stream is found") {
        CHECK(prescan(hostile_pdf("deep-arrays-in-object-stream").bytes, IntakeLimits{}) ==
              IntakeRefusal::too_deep);
        CHECK(prescan(hostile_pdf("valid-object-streams").bytes, IntakeLimits{}) == std::nullopt);
    }
}

TEST_CASE("the pre-scan holds object counts and claims to the object limit", "[inspect][prescan]") {
    IntakeLimits limits;
    limits.max_objects = 3;
    SECTION("objects are counted") {
        CHECK(scan("%PDF-1.4\n1 0 obj null endobj 2 0 obj null endobj 3 0 obj null endobj", limits) ==
              std::nullopt);
        CHECK(scan("%PDF-1.4\n1 0 obj 1 endobj 2 0 obj 2 endobj 3 0 obj 3 endobj 4 0 obj 4 endobj", limits) ==
              IntakeRefusal::too_deep);
    }
    SECTION("a trailer /Size beyond the limit") {
        CHECK(scan("%PDF-1.4\ntrailer << /Size 3 >>", limits) == std::nullopt);
        CHECK(scan("%PDF-1.4\ntrailer << /Size 4 >>", limits) == IntakeRefusal::too_deep);
        CHECK(scan("%PDF-1.4\ntrailer << /Size 99999999999999999999999 >>", limits) ==
              IntakeRefusal::too_deep);
    }
    SECTION("an xref subsection claiming more entries than the limit") {
        CHECK(scan("%PDF-1.4\nxref\n0 4\n", limits) == IntakeRefusal::too_deep);
    }
    SECTION("an object stream claiming more objects than the limit") {
        CHECK(prescan(hostile_pdf("huge-object-stream-count").bytes, IntakeLimits{}) ==
              IntakeRefusal::too_deep);
    }
}

TEST_CASE("each refusal has its own message, status class and name, and can be recovered from an error",
          "[inspect]") {
    std::set<std::string_view> messages;
    for (const IntakeRefusal refusal : kinvault::pdf::all_intake_refusals) {
        const auto error = kinvault::pdf::refusal_error(refusal);
        CHECK(refusal_of(error) == refusal);
        CHECK(kinvault::pdf::parse_refusal(kinvault::pdf::refusal_name(refusal)) == refusal);
        messages.insert(kinvault::pdf::refusal_message(refusal));
    }
    CHECK(messages.size() == kinvault::pdf::all_intake_refusals.size());
    CHECK(kinvault::pdf::refusal_error(IntakeRefusal::not_a_pdf).code == Errc::unsupported_media);
    CHECK(kinvault::pdf::refusal_error(IntakeRefusal::not_a_pdf).message == "This file is not a PDF.");
    CHECK(kinvault::pdf::refusal_error(IntakeRefusal::too_deep).code == Errc::unprocessable);
    CHECK(refusal_of(kinvault::make_error(Errc::unavailable, "This file is not a PDF.")) == std::nullopt);
}
