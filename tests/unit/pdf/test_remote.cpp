// The daemon's PDF operations across the process boundary: the JSON codec on its own, then render, stamp
// and prepare-signature through the real sandboxed worker, checked with tools we did not write (pdftotext,
// pdfsig, qpdf), and daemon-side checks against workers that lie or PDFs that attack.
#include "crypto/ca.h"
#include "crypto/cms.h"
#include "hostile_pdfs.h"
#include "pdf/codec.h"
#include "pdf/gateway.h"
#include "pdf/inject.h"
#include "pdf/remote.h"
#include "pdf/render.h"
#include "pdf/worker_protocol.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

namespace codec = kinvault::pdf::codec;
namespace crypto = kinvault::crypto;
namespace fs = std::filesystem;
namespace wire = kinvault::pdf::wire;
using kinvault::Bytes;
using kinvault::Errc;
using kinvault::to_bytes;
using kinvault::pdf::FieldKind;
using kinvault::pdf::FieldPlacement;
using kinvault::pdf::FieldValue;
using kinvault::pdf::GatewayConfig;
using kinvault::pdf::IntakeRefusal;
using kinvault::pdf::PageSize;
using kinvault::pdf::PdfGateway;
using kinvault::pdf::PreparedPdf;
using kinvault::pdf::Rect;
using kinvault::pdf::refusal_of;
using kinvault::pdf::RemoteRenderOptions;
using kinvault::pdf::SignatureRequest;
using kinvault::pdf::StampItem;
using kinvault::pdf::TemplateValues;

const fs::path template_dir =
    fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "templates";

const std::string name_a = "Nguyễn Thị Ánh";
const std::string name_b = "Zoë O'Brien-Núñez";
const std::string clinician = "Dr. Maya Feld";

struct CommandResult {
    int status{-1};
    std::string output;
};

CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "kv-remote-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    // Writes the file and returns its path quoted for a shell.
    [[nodiscard]] std::string write(const std::string& name, const Bytes& data) const {
        const fs::path file = m_path / name;
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        return "'" + file.string() + "'";
    }
    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

std::string read_text(const fs::path& path) {
    std::string text(static_cast<std::size_t>(fs::file_size(path)), '\0');
    std::ifstream in(path, std::ios::binary);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    REQUIRE(in.good());
    return text;
}

int count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

// pdftotext breaks lines where the layout wraps; compare on single spaces.
std::string collapse(const std::string& text) {
    std::string out;
    for (const char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f';
        if (space) {
            if (!out.empty() && out.back() != ' ') {
                out += ' ';
            }
        } else {
            out += c;
        }
    }
    return out;
}

std::string pdftotext(const Bytes& pdf) {
    const TempDir dir;
    const auto out = run("pdftotext " + dir.write("doc.pdf", pdf) + " -");
    REQUIRE(out.status == 0);
    return collapse(out.output);
}

CommandResult qpdf_check(const Bytes& pdf) {
    const TempDir dir;
    return run("qpdf --check " + dir.write("doc.pdf", pdf));
}

std::string pdfsig(const Bytes& pdf) {
    const TempDir dir;
    return run("pdfsig -nocert " + dir.write("doc.pdf", pdf)).output;
}

GatewayConfig worker_config() {
    GatewayConfig config;
    config.worker_path = KINVAULT_PDF_WORKER;
    return config;
}

std::size_t open_descriptors() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}

// No worker left behind (not even a zombie) and no descriptor leaked since `before`.
void require_clean(std::size_t before) {
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
    CHECK(open_descriptors() == before);
}

// Values for every field of the four shipped templates, with the names the issue asks for.
TemplateValues sample_values() {
    TemplateValues v;
    auto& f = v.fields;
    f["practice.name"] = "Bridges Family Therapy";
    f["practice.address"] = "1200 Harbor Way, Oakland, CA 94607";
    f["practice.contact"] = "(510) 555-0142, records@bridges.example";
    f["clinician.name"] = clinician;
    f["clinician.license"] = "LMFT 123456 (California)";
    f["case.name"] = "Nguyễn / O'Brien-Núñez";
    f["subject.name"] = "Liam Nguyễn O'Brien";
    f["subject.birth_date"] = "2015-06-14";
    f["information.description"] = "Attendance, participation and progress in reunification therapy";
    f["information.categories"] = "attendance records, progress summaries, clarification letters";
    f["information.date_from"] = "2026-01-01";
    f["information.date_to"] = "2026-12-31";
    f["roi.purpose"] = "Coordinating reunification therapy with the child's individual therapist";
    f["roi.direction"] = "both";
    f["roi.expiry_date"] = "2027-01-31";
    f["revocation.how"] = "in writing to the practice address above or through the Kinvault portal";
    f["agreement.date"] = "2026-03-10";
    f["parent_a.name"] = name_a;
    f["parent_a.email"] = "anh@example.org";
    f["parent_b.name"] = name_b;
    f["parent_b.email"] = "zoe@example.org";
    f["court.name"] = "Superior Court of California, County of Alameda";
    f["court.case_number"] = "FL-2026-0142";
    f["court.order_title"] = "Findings and Order After Hearing";
    f["court.order_date"] = "2026-03-02";
    f["process.mode"] = "open";
    f["reports.recipients"] = "the court and counsel of record for both parents";
    f["fees.session"] = "$250 per 50-minute session";
    f["fees.other"] = "report writing $250 per hour";
    f["fees.split"] = "50% each parent";
    f["fees.payment_terms"] = "due at each session";
    f["cancellation.notice"] = "48 hours";
    f["cancellation.fee"] = "the full session fee";
    f["letter.author"] = name_b;
    f["letter.child"] = "Liam";
    f["letter.submitted_date"] = "2026-05-01";
    f["letter.approved_date"] = "2026-05-20";
    f["letter.revision"] = "3";
    f["letter.pages"] = "2";
    f["letter.sha256"] = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";
    f["release.recipient"] = name_a;
    f["release.recipient_role"] = "child's individual therapist";
    f["release.date"] = "2026-05-21";
    f["release.basis"] = "ROI of 2026-04-01 signed by both parents";
    f["envelope.id"] = "env-5c1e0f";
    f["envelope.sender"] = "Dr. Maya Feld <maya@bridges.example>";
    f["envelope.created_at"] = "2026-04-01T09:00:00Z";
    f["envelope.completed_at"] = "2026-04-01T11:05:00Z";
    f["envelope.routing"] = "group 1: both parents (parallel)";
    f["document.title"] = "Authorization for Release of Information";
    f["document.sha256_before"] = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";
    f["document.sha256_after"] = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    f["document.pages"] = "3";
    f["disclosure.version"] = "2026-01";
    v.lists["recipients"] = {{{"name", "Dr. Sam Okafor"}, {"role", "child's individual therapist"}},
                             {{"name", "counsel of record for Mother"}, {"role", "attorney"}}};
    v.lists["children"] = {{{"name", "Liam Nguyễn O'Brien"}, {"birth_date", "2015-06-14"}}};
    const auto signer = [](const std::string& slot, const std::string& name, const std::string& email) {
        return std::map<std::string, std::string>{{"slot", slot},
                                                  {"name", name},
                                                  {"capacity", "parent_with_legal_custody"},
                                                  {"authority", "Joint legal custody, Order of 2026-03-02"},
                                                  {"email", email},
                                                  {"role", "parent"},
                                                  {"auth_method", "password + TOTP"},
                                                  {"client_address", "203.0.113.7"},
                                                  {"consented_at", "2026-04-01T10:00:00Z"},
                                                  {"viewed_at", "2026-04-01T10:01:00Z"},
                                                  {"signed_at", "2026-04-01T10:05:00Z"},
                                                  {"signature_id", "sig-" + slot}};
    };
    v.lists["signers"] = {signer("parent_a", name_a, "anh@example.org"),
                          signer("parent_b", name_b, "zoe@example.org")};
    return v;
}

RemoteRenderOptions render_options(const std::string& source) {
    RemoteRenderOptions options;
    options.page_size = PageSize::letter;
    options.document_id = "doc-7f3a2c91-4b0e-4d8a-9a51-2f6c0d1e8b44";
    options.created_at = 1775000000;
    options.template_source = source;
    return options;
}

std::string template_text(const std::string& name) {
    const std::string text = read_text(template_dir / (name + ".kvt"));
    REQUIRE_FALSE(text.empty());
    return text;
}

kinvault::pdf::RenderedDocument render_agreement(PdfGateway& gateway) {
    auto rendered = remote_render(gateway, template_text("reunification-agreement"), sample_values(),
                                  render_options("reunification-agreement.kvt"));
    INFO((rendered ? std::string() : rendered.error().message));
    REQUIRE(rendered.ok());
    return std::move(rendered).value();
}

// A throw-away practice PKI made with our own CA code (crypto/ca.h): a P-256 root and P-256 signers.
struct Signer {
    crypto::Secret key;
    std::string certificate;
};

struct Practice {
    std::string root_pem;
    std::vector<Signer> signers;
};

const Practice& practice() {
    static const Practice instance = [] {
        const auto now = static_cast<kinvault::UnixTime>(std::time(nullptr));
        auto root = crypto::create_root_ca("Bridges Family Therapy Test Root", now - 3600, 1);
        REQUIRE(root.ok());
        Practice p;
        p.root_pem = root->certificate_pem;
        for (const auto& [name, email] : std::vector<std::pair<std::string, std::string>>{
                 {name_a, "anh@example.org"}, {name_b, "zoe@example.org"}, {clinician, "maya@example.org"}}) {
            auto key = crypto::generate_p256_key();
            REQUIRE(key.ok());
            auto cert = crypto::issue_signer_certificate(
                *root, key->public_key_pem, crypto::SubjectName{name, email, "Bridges"}, now - 60, 30);
            REQUIRE(cert.ok());
            p.signers.push_back(Signer{std::move(key->private_key_pem), std::move(cert).value()});
        }
        return p;
    }();
    return instance;
}

// The daemon's half of one signature: digest the prepared byte range, CMS with the signer's key, inject.
Bytes sign_prepared(const PreparedPdf& prepared, const Signer& signer) {
    const auto digest = kinvault::pdf::byte_range_digest(prepared);
    REQUIRE(digest.ok());
    const auto cms = crypto::cms_sign(*digest, signer.key, signer.certificate, {practice().root_pem});
    REQUIRE(cms.ok());
    auto signed_pdf = kinvault::pdf::inject_signature(prepared, *cms);
    REQUIRE(signed_pdf.ok());
    return std::move(signed_pdf).value();
}

SignatureRequest invisible_request(const std::string& field, const std::string& signer) {
    SignatureRequest request;
    request.field_name = field;
    request.signer_name = signer;
    request.capacity = "Parent";
    request.reason = "I agree to the reunification agreement";
    request.signature_id = "sig-" + field;
    request.signing_time = 1775000000;
    request.contents_size = 8192;
    return request;
}

// A stand-in worker that ignores its request and answers with `reply`, exactly as given: the daemon's checks
// must hold against a worker that a hostile PDF took over.
class LyingWorker {
public:
    LyingWorker(const wire::Header& header, const Bytes& payload) {
        Bytes reply = wire::frame_header(header);
        reply.insert(reply.end(), payload.begin(), payload.end());
        static_cast<void>(m_dir.write("reply.bin", reply));
        m_script = (m_dir.path() / "worker.sh").string();
        std::ofstream(m_script) << "#!/bin/sh\n/bin/cat > /dev/null\n/bin/cat '"
                                << (m_dir.path() / "reply.bin").string() << "'\n";
        REQUIRE(::chmod(m_script.c_str(), 0755) == 0);
    }
    [[nodiscard]] GatewayConfig config() const {
        GatewayConfig config;
        config.worker_path = m_script;
        return config;
    }

private:
    TempDir m_dir;
    std::string m_script;
};

wire::Header ok_header(wire::Header extra = {}) {
    extra["status"] = std::string(wire::status_ok);
    return extra;
}

} // namespace

// --- codec -------------------------------------------------------------------------------------------------

TEST_CASE("template values survive the trip through JSON, Unicode and escapes included", "[remote][codec]") {
    TemplateValues values = sample_values();
    values.fields["tricky"] = "quote \" backslash \\ newline \n tab \t bell \x07 end";
    values.lists["empty"] = {};
    const auto decoded = codec::decode_values(codec::encode_values(values));
    REQUIRE(decoded.ok());
    CHECK(decoded->fields == values.fields);
    CHECK(decoded->lists == values.lists);
}

TEST_CASE("placements, stamp items, signature requests and prepared metadata round-trip exactly",
          "[remote][codec]") {
    SECTION("placements keep every coordinate to the last bit") {
        const std::vector<FieldPlacement> placements{
            {"parent_a.signature", FieldKind::signature, "parent_a", 0,
             Rect{54, 404.88780000000037, 292.36536, 40}},
            {"parent_b.check", FieldKind::checkbox, "parent_b", 2, Rect{0.1, 1e-7, 1.0 / 3.0, 12}}};
        const auto decoded = codec::decode_placements(codec::encode_placements(placements));
        REQUIRE(decoded.ok());
        REQUIRE(decoded->size() == 2);
        for (std::size_t i = 0; i < placements.size(); ++i) {
            CHECK((*decoded)[i].name == placements[i].name);
            CHECK((*decoded)[i].kind == placements[i].kind);
            CHECK((*decoded)[i].signer == placements[i].signer);
            CHECK((*decoded)[i].page == placements[i].page);
            CHECK((*decoded)[i].rect.x == placements[i].rect.x);
            CHECK((*decoded)[i].rect.y == placements[i].rect.y);
            CHECK((*decoded)[i].rect.width == placements[i].rect.width);
            CHECK((*decoded)[i].rect.height == placements[i].rect.height);
        }
    }
    SECTION("stamp items") {
        const std::vector<StampItem> items{{"\u2713", 1, Rect{10, 20, 12, 12}, 0},
                                           {name_a, 0, Rect{72, 700, 200, 14}, 11.5}};
        const auto decoded = codec::decode_stamp_items(codec::encode_stamp_items(items));
        REQUIRE(decoded.ok());
        REQUIRE(decoded->size() == 2);
        CHECK((*decoded)[0].text == "\u2713");
        CHECK((*decoded)[1].text == name_a);
        CHECK((*decoded)[1].page == 0);
        CHECK((*decoded)[1].rect.width == 200);
        CHECK((*decoded)[1].font_size == 11.5);
    }
    SECTION("a signature request with its value fields; the font path is not part of it") {
        SignatureRequest request = invisible_request("parent_a_signature", name_a);
        request.rect = Rect{72, 100, 220, 60};
        request.location = "Oakland, CA";
        request.signing_time = -1; // before 1970 is unusual but representable
        request.font_path = "/somewhere/else.ttf";
        request.fields = {
            FieldValue{{"parent_a.initials", FieldKind::initials, "parent_a", 0, Rect{300, 100, 40, 20}},
                       "NTA",
                       false},
            FieldValue{
                {"parent_a.agree", FieldKind::checkbox, "parent_a", 0, Rect{350, 100, 12, 12}}, "", true}};
        const auto decoded = codec::decode_signature_request(codec::encode_signature_request(request));
        REQUIRE(decoded.ok());
        CHECK(decoded->field_name == request.field_name);
        CHECK(decoded->signer_name == name_a);
        CHECK(decoded->location == "Oakland, CA");
        CHECK(decoded->signing_time == -1);
        CHECK(decoded->contents_size == 8192);
        CHECK(decoded->rect.height == 60);
        CHECK(decoded->font_path == SignatureRequest{}.font_path);
        REQUIRE(decoded->fields.size() == 2);
        CHECK(decoded->fields[0].text == "NTA");
        CHECK(decoded->fields[0].placement.kind == FieldKind::initials);
        CHECK(decoded->fields[1].checked);
    }
    SECTION("prepared metadata, without the PDF") {
        PreparedPdf prepared;
        prepared.byte_range = {0, 23387, 39773, 437};
        prepared.contents_offset = 23388;
        prepared.contents_length = 16384;
        prepared.field_name = "Sig1";
        const auto decoded = codec::decode_prepared(codec::encode_prepared(prepared));
        REQUIRE(decoded.ok());
        CHECK(decoded->byte_range == prepared.byte_range);
        CHECK(decoded->contents_offset == 23388);
        CHECK(decoded->contents_length == 16384);
        CHECK(decoded->field_name == "Sig1");
        CHECK(decoded->pdf.empty());
    }
}

TEST_CASE("decoding refuses anything but exactly the expected JSON, naming the bad value",
          "[remote][codec]") {
    const auto refused = [](const kinvault::Result<std::vector<FieldPlacement>>& result,
                            const std::string& why) {
        INFO((result.ok() ? std::string("accepted") : result.error().message));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
        CHECK(result.error().message.find(why) != std::string::npos);
    };
    const std::string good_rect = R"("rect":{"x":1,"y":2,"width":3,"height":4})";
    const auto one = [&](const std::string& members) { return "[{" + members + "}]"; };
    const std::string good = R"("name":"a","kind":"date","signer":"s","page":0,)" + good_rect;

    SECTION("the reference entry is accepted") {
        CHECK(codec::decode_placements(one(good)).ok());
    }
    SECTION("not JSON at all") {
        refused(codec::decode_placements("placements, trust me"), "not valid JSON");
    }
    SECTION("trailing text after the value") {
        refused(codec::decode_placements(one(good) + " []"), "not valid JSON");
    }
    SECTION("an unknown key") {
        refused(codec::decode_placements(one(good + R"(,"extra":1)")), "[0].extra: unknown key");
    }
    SECTION("a missing key") {
        refused(codec::decode_placements(one(R"("name":"a","kind":"date","signer":"s",)" + good_rect)),
                "[0].page: missing");
    }
    SECTION("a key given twice, which could smuggle a second value") {
        refused(codec::decode_placements(one(good + R"(,"page":3)")), "appears twice");
    }
    SECTION("a string where a number belongs") {
        refused(
            codec::decode_placements(one(
                R"("name":"a","kind":"date","signer":"s","page":0,"rect":{"x":"1","y":2,"width":3,"height":4})")),
            "[0].rect.x: expected a number");
    }
    SECTION("a fractional or negative page") {
        refused(
            codec::decode_placements(one(R"("name":"a","kind":"date","signer":"s","page":1.5,)" + good_rect)),
            "[0].page: expected an integer");
        refused(
            codec::decode_placements(one(R"("name":"a","kind":"date","signer":"s","page":-1,)" + good_rect)),
            "[0].page: integer out of range");
    }
    SECTION("an unknown field kind") {
        refused(
            codec::decode_placements(one(R"("name":"a","kind":"stamp","signer":"s","page":0,)" + good_rect)),
            "[0].kind: unknown field kind");
    }
    SECTION("text that is not UTF-8, or carries NUL") {
        refused(codec::decode_placements(
                    one("\"name\":\"\xC0\xAF\",\"kind\":\"date\",\"signer\":\"s\",\"page\":0," + good_rect)),
                "UTF-8");
        refused(codec::decode_placements(
                    one(R"("name":"a\u0000b","kind":"date","signer":"s","page":0,)" + good_rect)),
                "field placements:");
    }
    SECTION("nesting deeper than any of our structures") {
        refused(codec::decode_placements(std::string(64, '[') + std::string(64, ']')), "not valid JSON");
    }
    SECTION("a coordinate that is not finite is written as null and refused") {
        const std::vector<FieldPlacement> bad{
            {"a", FieldKind::text, "s", 0, Rect{std::numeric_limits<double>::quiet_NaN(), 0, 1, 1}}};
        refused(codec::decode_placements(codec::encode_placements(bad)), "[0].rect.x: expected a number");
    }
    SECTION("a prepared byte range that is not four integers") {
        const auto result = codec::decode_prepared(
            R"({"byte_range":[0,1,2],"contents_offset":1,"contents_length":2,"field_name":"S"})");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().message.find("byte_range: expected four integers") != std::string::npos);
    }
}

TEST_CASE("a worker's rejection keeps its code only when it is one an operation may give",
          "[remote][codec]") {
    SECTION("a conflict passes through with its message") {
        const auto error =
            codec::rejection_of(codec::rejection_header(kinvault::make_error(Errc::conflict, "field taken")));
        REQUIRE(error.has_value());
        CHECK(error->code == Errc::conflict);
        CHECK(error->message == "field taken");
    }
    SECTION("a code no operation gives (say, forbidden) is not believed") {
        const auto error = codec::rejection_of(ok_header({{"rejected", "forbidden"}, {"message", "no"}}));
        REQUIRE(error.has_value());
        CHECK(error->code == Errc::internal);
    }
    SECTION("an ordinary reply is no rejection") {
        CHECK_FALSE(codec::rejection_of(ok_header()).has_value());
    }
}

// --- render ------------------------------------------------------------------------------------------------

TEST_CASE("every shipped template renders through the worker with Unicode names intact", "[remote][render]") {
    PdfGateway gateway(worker_config());
    const auto local_fonts = kinvault::pdf::load_fonts();
    REQUIRE(local_fonts.ok());
    int rendered_templates = 0;
    for (const auto& entry : fs::directory_iterator(template_dir)) {
        if (entry.path().extension() != ".kvt") {
            continue;
        }
        const std::string file = entry.path().filename().string();
        DYNAMIC_SECTION(file) {
            const std::string text = read_text(entry.path());
            const auto options = render_options(file);
            auto rendered = remote_render(gateway, text, sample_values(), options);
            INFO((rendered ? std::string() : rendered.error().message));
            REQUIRE(rendered.ok());

            const std::string words = pdftotext(rendered->pdf);
            INFO(words);
            CHECK(words.find(name_a) != std::string::npos);
            CHECK(words.find(name_b) != std::string::npos);
            CHECK(words.find("Page 1 of " + std::to_string(rendered->pages)) != std::string::npos);
            const auto info = run("pdfinfo " + TempDir().write("doc.pdf", rendered->pdf));
            CHECK(info.output.find("Pages:") != std::string::npos);
            CHECK(collapse(info.output).find("Pages: " + std::to_string(rendered->pages)) !=
                  std::string::npos);
            CHECK(qpdf_check(rendered->pdf).status == 0);

            // The boundary loses nothing: the same template rendered in this process gives the same bytes
            // and placements (render is deterministic for fixed inputs).
            auto tmpl = kinvault::pdf::parse_template(text, file);
            REQUIRE(tmpl.ok());
            kinvault::pdf::RenderOptions local;
            local.page_size = options.page_size;
            local.document_id = options.document_id;
            local.created_at = options.created_at;
            local.fonts = std::make_shared<const kinvault::pdf::FontSet>(*local_fonts);
            const auto here = kinvault::pdf::render_template(*tmpl, sample_values(), local);
            REQUIRE(here.ok());
            CHECK(here->pdf == rendered->pdf);
            CHECK(here->pages == rendered->pages);
            CHECK(codec::encode_placements(here->placements) ==
                  codec::encode_placements(rendered->placements));
        }
        ++rendered_templates;
    }
    CHECK(rendered_templates == 4);
}

TEST_CASE("a render the worker cannot do comes back with a reason a person can act on", "[remote][render]") {
    PdfGateway gateway(worker_config());
    SECTION("missing values are named, as invalid input") {
        TemplateValues values = sample_values();
        values.fields.erase("parent_b.name");
        const auto result = remote_render(gateway, template_text("reunification-agreement"), values,
                                          render_options("agreement"));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
        CHECK(result.error().message.find("missing values: parent_b.name") != std::string::npos);
    }
    SECTION("a template that does not parse names its source and line") {
        const auto result = remote_render(gateway, "@name broken\n@no-such-directive\n", sample_values(),
                                          render_options("broken.kvt"));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
        CHECK(result.error().message.find("broken.kvt:") != std::string::npos);
    }
    SECTION("a font the worker cannot read makes rendering unavailable") {
        auto options = render_options("roi.kvt");
        options.font_files.regular = "/nonexistent/font.ttf";
        const auto result = remote_render(gateway, template_text("roi"), sample_values(), options);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::unavailable);
    }
    SECTION("a template too large for the worker's header is refused before a worker starts") {
        const std::string huge = template_text("roi") + "\n" + std::string(70 * 1024, '#') + "\n";
        const auto result = remote_render(gateway, huge, sample_values(), render_options("roi.kvt"));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
        CHECK(result.error().message.find("too large") != std::string::npos);
    }
}

// --- stamp -------------------------------------------------------------------------------------------------

TEST_CASE("values are stamped through the worker as an incremental update", "[remote][stamp]") {
    PdfGateway gateway(worker_config());
    const auto document = render_agreement(gateway);
    const std::vector<StampItem> items{{"Stamped for " + name_b, 0, Rect{72, 60, 300, 14}, 10}};
    const auto stamped = remote_stamp(gateway, document.pdf, items);
    INFO((stamped ? std::string() : stamped.error().message));
    REQUIRE(stamped.ok());
    CHECK(stamped->size() > document.pdf.size());
    CHECK(std::equal(document.pdf.begin(), document.pdf.end(), stamped->begin()));
    CHECK(pdftotext(*stamped).find("Stamped for " + name_b) != std::string::npos);
    CHECK(qpdf_check(*stamped).status == 0);

    SECTION("an item off its page is invalid input") {
        const auto result = remote_stamp(gateway, document.pdf, {{"x", 99, Rect{72, 60, 100, 14}, 10}});
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::invalid_input);
    }
    SECTION("bytes that are not a PDF are refused as such") {
        const auto result = remote_stamp(gateway, to_bytes("GIF89a, honest"), items);
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::not_a_pdf);
    }
}

// --- prepare-signature and the daemon's half of signing
// ------------------------------------------------------

TEST_CASE("three signatures in a row through the worker are each valid and the last covers the whole file",
          "[remote][sign]") {
    PdfGateway gateway(worker_config());
    const auto document = render_agreement(gateway);
    auto stamped = remote_stamp(gateway, document.pdf, {{"Case FL-2026-0142", 0, Rect{72, 40, 200, 12}, 9}});
    REQUIRE(stamped.ok());

    Bytes pdf = std::move(stamped).value();
    const std::vector<std::pair<std::string, std::string>> signers{
        {"parent_a_signature", name_a}, {"parent_b_signature", name_b}, {"clinician_signature", clinician}};
    for (std::size_t i = 0; i < signers.size(); ++i) {
        const auto prepared =
            remote_prepare(gateway, pdf, invisible_request(signers[i].first, signers[i].second));
        INFO((prepared ? std::string() : prepared.error().message));
        REQUIRE(prepared.ok());
        CHECK(prepared->field_name == signers[i].first);
        pdf = sign_prepared(*prepared, practice().signers[i]);
    }

    const std::string sig = pdfsig(pdf);
    INFO(sig);
    CHECK(count(sig, "Signature is Valid.") == 3);
    CHECK(count(sig, "Signature Type: ETSI.CAdES.detached") == 3);
    CHECK(count(sig, "Total document signed") == 1);
    CHECK(sig.find("Total document signed", sig.rfind("Signature #3")) != std::string::npos);
    for (const auto& [field, name] : signers) {
        CHECK(sig.find(name) != std::string::npos);
    }
    const auto qpdf = qpdf_check(pdf);
    INFO(qpdf.output);
    CHECK(qpdf.status == 0);
    CHECK(qpdf.output.find("No syntax or stream encoding errors found") != std::string::npos);

    SECTION("a field name already in the document is a conflict") {
        const auto again = remote_prepare(gateway, pdf, invisible_request("parent_a_signature", name_a));
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().code == Errc::conflict);
        CHECK(again.error().message.find("parent_a_signature") != std::string::npos);
    }
    SECTION("a signed document is no longer stamped") {
        const auto late = remote_stamp(gateway, pdf, {{"late", 0, Rect{72, 20, 100, 12}, 9}});
        REQUIRE_FALSE(late.ok());
        CHECK(late.error().code == Errc::conflict);
    }
}

TEST_CASE("a signature request the document cannot take is invalid input", "[remote][sign]") {
    PdfGateway gateway(worker_config());
    auto request = invisible_request("seal", "Practice seal");
    request.page = 40;
    const auto result = remote_prepare(gateway, kinvault::test::valid_pdf(3), request);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == Errc::invalid_input);
    CHECK(result.error().message.find("outside the document") != std::string::npos);
}

// The worker reads the appearance font before its filter closes file access and hands the bytes to
// prepare_signature, so visible appearances and value fields work inside the sandbox.
TEST_CASE("a visible signature with value fields is prepared through the worker", "[remote][sign]") {
    PdfGateway gateway(worker_config());
    const auto document = render_agreement(gateway);
    auto request = invisible_request("parent_a_signature", name_a);
    request.rect = Rect{72, 100, 220, 60};
    request.fields = {FieldValue{
        {"parent_a_initials", FieldKind::initials, "parent_a", 0, Rect{300, 100, 40, 20}}, "NTA", false}};
    const auto prepared = remote_prepare(gateway, document.pdf, request);
    INFO((prepared ? std::string() : prepared.error().message));
    REQUIRE(prepared.ok());
    const Bytes pdf = sign_prepared(*prepared, practice().signers[0]);
    CHECK(count(pdfsig(pdf), "Signature is Valid.") == 1);
    CHECK(pdftotext(pdf).find("Digitally signed by " + name_a) != std::string::npos);
}

TEST_CASE("hostile PDFs given to prepare-signature are refused cleanly and the daemon is unharmed",
          "[remote][sign][hostile]") {
    PdfGateway gateway(worker_config());
    const std::size_t before = open_descriptors();
    int refused = 0;
    for (const auto& entry : kinvault::test::hostile_corpus()) {
        if (!entry.expected_refusal) {
            continue;
        }
        INFO(entry.name << ": " << entry.description);
        const auto result = remote_prepare(gateway, entry.bytes, invisible_request("seal", "Practice seal"));
        INFO((result ? std::string("prepared") : result.error().message));
        REQUIRE_FALSE(result.ok());
        // The same verdict inspection gives at intake, with the same message for the uploader.
        CHECK(refusal_of(result.error()) == entry.expected_refusal);
        ++refused;
    }
    CHECK(refused >= 10);
    require_clean(before);
}

TEST_CASE("an encrypted PDF that opens without a password is still not signed", "[remote][sign]") {
    PdfGateway gateway(worker_config());
    const auto result = remote_prepare(gateway, kinvault::test::encrypted_pdf("", "owner"),
                                       invisible_request("seal", "Practice seal"));
    REQUIRE_FALSE(result.ok());
    CHECK(refusal_of(result.error()) == IntakeRefusal::password_protected);
}

// --- replies the daemon must not believe
// ---------------------------------------------------------------------

TEST_CASE("a worker reply that breaks the protocol's promises is an internal error, never a crash",
          "[remote][hostile]") {
    const Bytes original = kinvault::test::valid_pdf(1);
    const auto expect_internal = [](const kinvault::Error& error, const std::string& why) {
        INFO(error.message);
        CHECK(error.code == Errc::internal);
        CHECK(error.message.find(why) != std::string::npos);
    };

    SECTION("render: placements that are not JSON") {
        const LyingWorker worker(ok_header({{"pages", "1"}, {"placements", "[{"}}), to_bytes("%PDF-1.7\n"));
        PdfGateway gateway(worker.config());
        const auto result = remote_render(gateway, "x", {}, render_options("x"));
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "field placements: not valid JSON");
    }
    SECTION("render: a placement on a page the document lacks") {
        const std::vector<FieldPlacement> placements{{"a", FieldKind::signature, "s", 3, Rect{1, 1, 1, 1}}};
        const LyingWorker worker(
            ok_header({{"pages", "1"}, {"placements", codec::encode_placements(placements)}}),
            to_bytes("%PDF-1.7\n"));
        PdfGateway gateway(worker.config());
        const auto result = remote_render(gateway, "x", {}, render_options("x"));
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "page the document lacks");
    }
    SECTION("render: a page count that is no number, or a payload that is no PDF") {
        const LyingWorker no_count(ok_header({{"pages", "1e3"}, {"placements", "[]"}}),
                                   to_bytes("%PDF-1.7\n"));
        PdfGateway gateway(no_count.config());
        const auto result = remote_render(gateway, "x", {}, render_options("x"));
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "no valid page count");

        const LyingWorker no_pdf(ok_header({{"pages", "1"}, {"placements", "[]"}}), to_bytes("<html>"));
        PdfGateway other(no_pdf.config());
        const auto second = remote_render(other, "x", {}, render_options("x"));
        REQUIRE_FALSE(second.ok());
        expect_internal(second.error(), "not a PDF");
    }
    SECTION("stamp: a result that does not keep the original bytes") {
        const LyingWorker worker(ok_header(), to_bytes("%PDF-1.7\nsomething else entirely\n"));
        PdfGateway gateway(worker.config());
        const auto result = remote_stamp(gateway, original, {{"x", 0, Rect{72, 60, 100, 14}, 10}});
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "does not begin with the original document");
    }
    SECTION("prepare-signature: a byte range that does not match the bytes") {
        Bytes payload = original;
        const std::string tail = "\n/ByteRange [0 10 30 5] /Contents <0000000000>\n";
        payload.insert(payload.end(), tail.begin(), tail.end());
        PreparedPdf lie;
        lie.byte_range = {0, 10, 30, 5};
        lie.contents_offset = 11;
        lie.contents_length = 10;
        lie.field_name = "seal";
        const LyingWorker worker(ok_header({{"prepared", codec::encode_prepared(lie)}}), payload);
        PdfGateway gateway(worker.config());
        const auto result = remote_prepare(gateway, original, invisible_request("seal", "Practice seal"));
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "reply to prepare-signature could not be used");
    }
    SECTION("prepare-signature: a different field than the one requested") {
        PreparedPdf lie;
        lie.field_name = "someone_else";
        const LyingWorker worker(ok_header({{"prepared", codec::encode_prepared(lie)}}), original);
        PdfGateway gateway(worker.config());
        const auto result = remote_prepare(gateway, original, invisible_request("seal", "Practice seal"));
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "different signature field");
    }
    SECTION("prepare-signature: metadata with a key twice") {
        const LyingWorker worker(
            ok_header({{"prepared", R"({"byte_range":[0,1,2,3],"contents_offset":1,"contents_length":2,)"
                                    R"("field_name":"seal","field_name":"other"})"}}),
            original);
        PdfGateway gateway(worker.config());
        const auto result = remote_prepare(gateway, original, invisible_request("seal", "Practice seal"));
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "appears twice");
    }
    SECTION("a rejection with a code no operation gives") {
        const LyingWorker worker(ok_header({{"rejected", "unauthenticated"}, {"message", "log in"}}), {});
        PdfGateway gateway(worker.config());
        const auto result = remote_stamp(gateway, original, {{"x", 0, Rect{72, 60, 100, 14}, 10}});
        REQUIRE_FALSE(result.ok());
        expect_internal(result.error(), "unknown code");
    }
    SECTION("the real worker's echo of a garbled request is caught the same way") {
        PdfGateway gateway(worker_config());
        const std::string garbled =
            R"([{"name":1,"kind":"date","signer":"s","page":0,"rect":{"x":1,"y":2,"width":3,"height":4}}])";
        const auto echo = gateway.run("selftest-echo", ok_header({{"placements", garbled}}),
                                      kinvault::pdf::input_from(original));
        REQUIRE(echo.ok());
        const auto decoded = codec::decode_placements(wire::find(echo->header, "placements").value_or(""));
        REQUIRE_FALSE(decoded.ok());
        CHECK(decoded.error().message.find("[0].name: expected a string") != std::string::npos);
    }
}
