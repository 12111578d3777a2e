// Rendering is checked with tools we did not write: pdftotext/pdfinfo/pdffonts (poppler) read the text,
// pages and fonts back, and qpdf checks the structure and decompresses content streams.
#include "pdf/render.h"
#include "pdf/template.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>

using namespace kinvault;
using namespace kinvault::pdf;

namespace {

std::filesystem::path template_dir() {
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() /
           "templates";
}

constexpr const char* name_a = "Nguyễn Thị Ánh";
constexpr const char* name_b = "Zoë O'Brien-Núñez";
constexpr const char* document_id = "doc-7f3a2c91-4b0e-4d8a-9a51-2f6c0d1e8b44";

struct CommandResult {
    int status{-1};
    std::string output;
};

CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        result.output.append(buffer, n);
    }
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "kv-render-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const Bytes& data) const {
        const auto file = path / name;
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        return "'" + file.string() + "'";
    }
};

std::shared_ptr<const FontSet> fonts() {
    static const auto loaded = [] {
        auto f = load_fonts();
        REQUIRE(f.ok());
        return std::make_shared<const FontSet>(std::move(f).value());
    }();
    return loaded;
}

Template shipped(const std::string& name) {
    auto t = load_template(template_dir(), name);
    INFO((t.ok() ? std::string{} : t.error().message));
    REQUIRE(t.ok());
    return std::move(t).value();
}

RenderOptions options(PageSize size = PageSize::a4) {
    RenderOptions o;
    o.page_size = size;
    o.document_id = document_id;
    o.created_at = 1775000000;
    o.fonts = fonts();
    return o;
}

// One set of values that covers all four shipped templates.
TemplateValues sample_values() {
    TemplateValues v;
    auto& f = v.fields;
    f["practice.name"] = "Bridges Family Therapy";
    f["practice.address"] = "1200 Harbor Way, Oakland, CA 94607";
    f["practice.contact"] = "(510) 555-0142, records@bridges.example";
    f["clinician.name"] = "Dr. Maya Feld";
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

RenderedDocument render(const Template& t, const TemplateValues& v, const RenderOptions& o = options()) {
    auto r = render_template(t, v, o);
    INFO((r.ok() ? std::string{} : r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
}

struct Word {
    double x_min, y_min, x_max, y_max; // pdftotext -bbox: points from the page's top-left
    std::string text;
};
struct BoxPage {
    double width{0}, height{0};
    std::vector<Word> words;
};

std::vector<BoxPage> bbox(const std::string& file) {
    const auto out = run("pdftotext -bbox " + file + " -");
    REQUIRE(out.status == 0);
    std::vector<BoxPage> pages;
    static const std::regex page_re(R"re(<page width="([0-9.]+)" height="([0-9.]+)">)re");
    static const std::regex word_re(
        R"re(<word xMin="([0-9.-]+)" yMin="([0-9.-]+)" xMax="([0-9.-]+)" yMax="([0-9.-]+)">([^<]*)</word>)re");
    std::istringstream lines(out.output);
    std::string line;
    std::smatch m;
    while (std::getline(lines, line)) {
        if (std::regex_search(line, m, page_re)) {
            pages.push_back(BoxPage{std::stod(m[1]), std::stod(m[2]), {}});
        } else if (std::regex_search(line, m, word_re) && !pages.empty()) {
            pages.back().words.push_back(
                Word{std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4]), m[5]});
        }
    }
    return pages;
}

int pdfinfo_pages(const std::string& file) {
    const auto out = run("pdfinfo " + file);
    std::smatch m;
    static const std::regex pages_re(R"(Pages:\s+([0-9]+)\n)");
    REQUIRE(std::regex_search(out.output, m, pages_re));
    return std::stoi(m[1]);
}

bool overlaps(const Rect& a, const Rect& b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

void check_placements(const RenderedDocument& doc, const Rect& page) {
    for (std::size_t i = 0; i < doc.placements.size(); ++i) {
        const auto& p = doc.placements[i];
        INFO(p.name);
        CHECK(p.page >= 0);
        CHECK(p.page < doc.pages);
        CHECK(p.rect.width > 0);
        CHECK(p.rect.height > 0);
        CHECK(p.rect.x >= 0);
        CHECK(p.rect.y >= 0);
        CHECK(p.rect.x + p.rect.width <= page.width);
        CHECK(p.rect.y + p.rect.height <= page.height);
        for (std::size_t j = 0; j < i; ++j) {
            INFO("and " << doc.placements[j].name);
            CHECK_FALSE((p.page == doc.placements[j].page && overlaps(p.rect, doc.placements[j].rect)));
            CHECK(p.name != doc.placements[j].name);
        }
    }
}

const FieldPlacement* find_placement(const RenderedDocument& doc, const std::string& name) {
    const auto it = std::find_if(doc.placements.begin(), doc.placements.end(),
                                 [&](const auto& p) { return p.name == name; });
    return it == doc.placements.end() ? nullptr : &*it;
}

} // namespace

TEST_CASE("every shipped template renders the parties' names exactly as written", "[render]") {
    TempDir dir;
    const auto values = sample_values();
    for (const auto* name :
         {"reunification-agreement", "roi", "clarification-letter-cover", "certificate-of-completion"}) {
        INFO(name);
        const auto doc = render(shipped(name), values);
        const auto file = dir.write(std::string(name) + ".pdf", doc.pdf);

        const auto text = run("pdftotext -enc UTF-8 " + file + " -");
        REQUIRE(text.status == 0);
        CHECK_THAT(text.output, Catch::Contains(name_a));
        CHECK_THAT(text.output, Catch::Contains(name_b));

        const auto check = run("qpdf --check " + file);
        CHECK(check.status == 0);
        CHECK_THAT(check.output, Catch::Contains("No syntax or stream encoding errors found"));

        CHECK(pdfinfo_pages(file) == doc.pages);
    }
}

TEST_CASE("rendered text uses embedded DejaVu Sans subsets that map back to Unicode", "[render]") {
    TempDir dir;
    const auto file = dir.write("roi.pdf", render(shipped("roi"), sample_values()).pdf);
    const auto fonts_out = run("pdffonts " + file);
    REQUIRE(fonts_out.status == 0);
    static const std::regex row(R"([A-Z]{6}\+DejaVuSans(-Bold)?\s+CID TrueType\s+Identity-H\s+yes yes yes)");
    std::ptrdiff_t rows = std::distance(
        std::sregex_iterator(fonts_out.output.begin(), fonts_out.output.end(), row), std::sregex_iterator());
    CHECK(rows == 2);
}

TEST_CASE("the ROI sets all of its text at 14 points or larger", "[render]") {
    TempDir dir;
    const auto file = dir.write("roi.pdf", render(shipped("roi"), sample_values()).pdf);
    const auto plain = (dir.path / "roi-qdf.pdf").string();
    REQUIRE(run("qpdf --qdf --object-streams=disable " + file + " '" + plain + "'").status == 0);
    std::ifstream in(plain, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string content = buffer.str();

    // Every font selection in every content stream: "/Name size Tf" (ISO 32000-1 §9.3.1).
    static const std::regex tf(R"(/[A-Za-z0-9]+ ([0-9]+(\.[0-9]+)?) Tf)");
    std::vector<double> sizes;
    for (auto it = std::sregex_iterator(content.begin(), content.end(), tf); it != std::sregex_iterator();
         ++it) {
        sizes.push_back(std::stod((*it)[1]));
    }
    REQUIRE(sizes.size() > 20);
    CHECK(*std::min_element(sizes.begin(), sizes.end()) >= 14.0);
}

TEST_CASE("the ROI carries every element an authorization must have", "[render]") {
    TempDir dir;
    auto values = sample_values();
    values.fields["roi.expiry_event"] = "the end of reunification therapy";
    values.fields["information.substance_use"] = "none beyond attendance at a parenting class";
    const auto file = dir.write("roi.pdf", render(shipped("roi"), values).pdf);
    const auto text = run("pdftotext -enc UTF-8 -raw " + file + " -");
    REQUIRE(text.status == 0);
    // Collapse line breaks so wrapped sentences can be matched whole.
    const auto flat = std::regex_replace(text.output, std::regex(R"(\s+)"), " ");

    // domain.md "What an ROI must carry" (45 CFR 164.508(c), CA Civil Code 56.11, 42 CFR Part 2).
    for (const auto* expected :
         {"1. Person whose information is released",
          "Liam Nguyễn O'Brien, born 2015-06-14",
          "2. Who discloses the information",
          "Bridges Family Therapy",
          "3. Recipients",
          "Dr. Sam Okafor",
          "counsel of record for Mother",
          "4. Information to be released",
          "Categories:",
          "Dates covered: from 2026-01-01 to 2026-12-31",
          "psychotherapy notes are not released",
          "Substance use disorder information is included: none beyond attendance at a parenting class",
          "5. Purpose",
          "6. Direction of the exchange",
          "Both ways",
          "7. Expiry",
          "expires on 2027-01-31",
          "the end of reunification therapy",
          "8. Right to revoke",
          "9. Treatment is not conditioned on signing",
          "10. Redisclosure",
          "42 CFR Part 2",
          "11. Right to a copy",
          "12. Signatures",
          "Template version: 3",
          "Signing as a parent with legal custody of Liam Nguyễn O'Brien",
          "Authority: Joint legal custody, Order of 2026-03-02"}) {
        INFO(expected);
        CHECK_THAT(flat, Catch::Contains(expected));
    }
}

TEST_CASE("footers number the pages of a multi-page document and carry template and document id",
          "[render]") {
    std::string text =
        "@template long\n@version 7\n@list items Items\n@field items[].text Text\n"
        "@title A long document\n@each items\n@heading Item {{items[].#}}\n{{items[].text}}\n@end\n";
    const auto t = parse_template(text, "long.kvt");
    REQUIRE(t.ok());
    TemplateValues v;
    std::string paragraph;
    for (int i = 0; i < 40; ++i) {
        paragraph += std::string("Reunification therapy notes for ") + name_b + " and " + name_a + ". ";
    }
    for (int i = 0; i < 8; ++i) {
        v.lists["items"].push_back({{"text", paragraph}});
    }
    const auto doc = render(*t, v);
    REQUIRE(doc.pages >= 3);

    TempDir dir;
    const auto file = dir.write("long.pdf", doc.pdf);
    CHECK(pdfinfo_pages(file) == doc.pages);
    for (int page = 1; page <= doc.pages; ++page) {
        INFO("page " << page);
        const auto out = run("pdftotext -enc UTF-8 -f " + std::to_string(page) + " -l " +
                             std::to_string(page) + " " + file + " -");
        CHECK_THAT(out.output,
                   Catch::Contains("Page " + std::to_string(page) + " of " + std::to_string(doc.pages)));
        CHECK_THAT(out.output, Catch::Contains(std::string("long v7 \u00b7 Document ") + document_id));
    }

    SECTION("no word runs past the right margin, and body text stays clear of the footer") {
        for (const auto& page : bbox(file)) {
            for (const auto& word : page.words) {
                INFO(word.text);
                CHECK(word.x_max <= page.width - 54 + 0.5);
                const bool footer = word.y_min >= page.height - 40;
                CHECK((footer || word.y_max <= page.height - 50));
            }
        }
    }
}

TEST_CASE("a word longer than the line is broken inside the text column", "[render]") {
    const auto t = parse_template("@template w\n@version 1\n@field hash Hash\n{{hash}}\n", "w.kvt");
    REQUIRE(t.ok());
    TemplateValues v;
    v.fields["hash"] = std::string(300, 'f');
    TempDir dir;
    const auto pages = bbox(dir.write("w.pdf", render(*t, v).pdf));
    REQUIRE(pages.size() == 1);
    std::size_t letters = 0;
    for (const auto& word : pages[0].words) {
        if (word.text.find_first_not_of('f') == std::string::npos) {
            CHECK(word.x_max <= pages[0].width - 54 + 0.5);
            letters += word.text.size();
        }
    }
    CHECK(letters == 300);
}

TEST_CASE("field placements lie on their page, do not overlap, and sit where the lines are drawn",
          "[render]") {
    const auto values = sample_values();
    for (const auto size : {PageSize::a4, PageSize::letter}) {
        for (const auto* name :
             {"reunification-agreement", "roi", "clarification-letter-cover", "certificate-of-completion"}) {
            INFO(name << (size == PageSize::a4 ? " A4" : " Letter"));
            const auto doc = render(shipped(name), values, options(size));
            CHECK_FALSE(doc.placements.empty());
            check_placements(doc, page_rect(size));
        }
    }

    SECTION("every signer of the agreement has a signature and a date") {
        const auto doc = render(shipped("reunification-agreement"), values);
        for (const auto* slot : {"parent_a", "parent_b", "clinician"}) {
            const auto* sig = find_placement(doc, std::string(slot) + ".signature");
            const auto* date = find_placement(doc, std::string(slot) + ".date");
            REQUIRE(sig != nullptr);
            REQUIRE(date != nullptr);
            CHECK(sig->kind == FieldKind::signature);
            CHECK(sig->signer == slot);
            CHECK(date->kind == FieldKind::date);
            CHECK(date->page == sig->page);
        }
        CHECK(find_placement(doc, "parent_a.initials")->kind == FieldKind::initials);
    }
    SECTION("the ROI's signers come from its signer list") {
        const auto doc = render(shipped("roi"), values);
        REQUIRE(doc.placements.size() == 4);
        CHECK(doc.placements[0].name == "parent_a.signature");
        CHECK(doc.placements[2].name == "parent_b.signature");
        CHECK(doc.placements[2].signer == "parent_b");
    }
    SECTION("poppler finds the \"Signature\" caption right under each signature placement") {
        TempDir dir;
        const auto doc = render(shipped("roi"), values);
        const auto pages = bbox(dir.write("roi.pdf", doc.pdf));
        REQUIRE(static_cast<int>(pages.size()) == doc.pages);
        for (const auto& p : doc.placements) {
            if (p.kind != FieldKind::signature) {
                continue;
            }
            INFO(p.name);
            const auto& page = pages[static_cast<std::size_t>(p.page)];
            const double line_from_top = page.height - p.rect.y;
            const bool found = std::any_of(page.words.begin(), page.words.end(), [&](const Word& w) {
                return w.text == "Signature" && std::abs(w.x_min - p.rect.x) < 1 && w.y_min > line_from_top &&
                       w.y_min < line_from_top + 20;
            });
            CHECK(found);
        }
    }
}

TEST_CASE("explicit field positions are honoured and checked", "[render]") {
    const auto base = std::string("@template p\n@version 1\n@signer parent_a First parent\n"
                                  "Text.\n@page-break\nMore text.\n");

    SECTION("a field at=PAGE,X,Y lands on that page at that corner") {
        const auto t = parse_template(base + "@initials parent_a at=2,400,100 width=60 height=30\n", "p.kvt");
        REQUIRE(t.ok());
        const auto doc = render(*t, {});
        REQUIRE(doc.placements.size() == 1);
        const auto& p = doc.placements[0];
        CHECK(p.page == 1);
        CHECK(p.rect.x == 400);
        CHECK(p.rect.y == 100);
        CHECK(p.rect.width == 60);
        CHECK(p.rect.height == 30);
    }
    SECTION("a page the document does not have is an error naming the line") {
        const auto t = parse_template(base + "@initials parent_a at=3,400,100\n", "p.kvt");
        REQUIRE(t.ok());
        const auto r = render_template(*t, {}, options());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message ==
              "p.kvt:7: at= puts field parent_a.initials on page 3 but the document has 2 page(s)");
    }
    SECTION("a field off the page is an error") {
        const auto t = parse_template(base + "@initials parent_a at=1,580,100\n", "p.kvt");
        REQUIRE(t.ok());
        CHECK(render_template(*t, {}, options()).error().message ==
              "p.kvt:7: field parent_a.initials does not fit on the page");
    }
    SECTION("overlapping fields are an error naming both") {
        const auto t =
            parse_template(base + "@initials parent_a at=1,400,100\n@date parent_a at=1,420,110\n", "p.kvt");
        REQUIRE(t.ok());
        CHECK(render_template(*t, {}, options()).error().message ==
              "p.kvt:8: field parent_a.date overlaps field parent_a.initials (line 7)");
    }
    SECTION("two fields with the same name are an error") {
        const auto t = parse_template(base + "@signature parent_a\n@signature parent_a\n", "p.kvt");
        REQUIRE(t.ok());
        CHECK_THAT(
            render_template(*t, {}, options()).error().message,
            Catch::StartsWith("p.kvt:8: field name parent_a.signature is used twice (also on line 7)"));
    }
}

TEST_CASE("rendering refuses values it cannot print faithfully", "[render]") {
    SECTION("missing values are all named") {
        auto values = sample_values();
        values.fields.erase("subject.name");
        values.lists["recipients"][1].erase("role");
        const auto r = render_template(shipped("roi"), values, options());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_input);
        CHECK(r.error().message == "template roi 3: missing values: recipients[2].role, subject.name");
    }
    SECTION("a character the font has no glyph for is refused, naming the field") {
        auto values = sample_values();
        values.lists["signers"][0]["name"] = "阮氏英";
        const auto r = render_template(shipped("roi"), values, options());
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message, Catch::Contains("the value of signers[1].name contains U+962E"));
        CHECK_THAT(r.error().message, Catch::Contains("which the embedded font cannot draw"));
    }
    SECTION("a value that is not UTF-8 is refused") {
        auto values = sample_values();
        values.fields["case.name"] = "caf\xe9";
        CHECK_THAT(render_template(shipped("roi"), values, options()).error().message,
                   Catch::Contains("the value of case.name is not valid UTF-8"));
    }
    SECTION("a document without an id is refused") {
        auto o = options();
        o.document_id.clear();
        CHECK(render_template(shipped("roi"), sample_values(), o).error().code == Errc::invalid_input);
    }
}

TEST_CASE("rendering is deterministic: the same inputs give the same bytes", "[render]") {
    const auto t = shipped("reunification-agreement");
    const auto first = render(t, sample_values());
    const auto second = render(t, sample_values());
    CHECK(first.pdf == second.pdf);
    auto later = options();
    later.created_at += 60;
    CHECK(render(t, sample_values(), later).pdf != first.pdf);
}

TEST_CASE("fonts come from bytes handed in or from configurable paths", "[render]") {
    const auto t = parse_template("@template f\n@version 1\nZoë\n", "f.kvt");
    REQUIRE(t.ok());

    SECTION("with font bytes handed in, no font file is opened") {
        auto o = options();
        o.font_files = FontFiles{"/nonexistent/regular.ttf", "/nonexistent/bold.ttf"};
        CHECK(render_template(*t, {}, o).ok());
    }
    SECTION("without font bytes, the configured paths are read") {
        auto o = options();
        o.fonts = nullptr;
        CHECK(render_template(*t, {}, o).ok());
        o.font_files = FontFiles{"/nonexistent/regular.ttf", "/nonexistent/bold.ttf"};
        const auto r = render_template(*t, {}, o);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::unavailable);
        CHECK(r.error().message == "cannot read font /nonexistent/regular.ttf");
    }
}

TEST_CASE("pages are A4 or US Letter", "[render]") {
    TempDir dir;
    const auto t = shipped("clarification-letter-cover");
    const auto a4 =
        run("pdfinfo " + dir.write("a4.pdf", render(t, sample_values(), options(PageSize::a4)).pdf));
    CHECK_THAT(a4.output, Catch::Contains("595.276 x 841.89 pts (A4)"));
    const auto letter =
        run("pdfinfo " + dir.write("letter.pdf", render(t, sample_values(), options(PageSize::letter)).pdf));
    CHECK_THAT(letter.output, Catch::Contains("612 x 792 pts (letter)"));
}
