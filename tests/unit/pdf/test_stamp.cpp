// Stamping is checked with poppler (pdftotext, pdfsig) and qpdf; the signed PDF that must be refused is
// signed by poppler's pdfsig with an NSS certificate, not by our own code.
#include "pdf/render.h"
#include "pdf/stamp.h"
#include "pdf/template.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>

using namespace kinvault;
using namespace kinvault::pdf;

namespace {

constexpr const char* name_b = "Zoë O'Brien-Núñez";

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
        std::string pattern = (std::filesystem::temp_directory_path() / "kv-stamp-XXXXXX").string();
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
    Bytes read(const std::string& name) const {
        std::ifstream in(path / name, std::ios::binary | std::ios::ate);
        Bytes data(static_cast<std::size_t>(in.tellg()));
        in.seekg(0);
        in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
        return data;
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

StampOptions options() {
    StampOptions o;
    o.fonts = fonts();
    return o;
}

// A one-page Letter PDF around the given content stream, written out with a correct xref table.
// `page_extra` goes into the page dictionary, `extra_objects` after the font (numbered from 6).
Bytes build_pdf(const std::string& content, const std::string& page_extra = {},
                const std::vector<std::string>& extra_objects = {}, const std::string& catalog_extra = {}) {
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R " + catalog_extra + ">>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R " +
            page_extra + ">>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    objects.insert(objects.end(), extra_objects.begin(), extra_objects.end());
    std::string out = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const auto xref = out.size();
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (const auto offset : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return Bytes(out.begin(), out.end());
}

Bytes rendered_pdf() {
    const auto t =
        parse_template("@template s\n@version 1\n@signer parent_a First parent\n"
                       "@title Stamp test\nSome text.\n@text parent_a parent_a.address label=\"Address\"\n",
                       "s.kvt");
    REQUIRE(t.ok());
    RenderOptions o;
    o.document_id = "doc-1";
    o.fonts = fonts();
    auto r = render_template(*t, {}, o);
    REQUIRE(r.ok());
    return std::move(r).value().pdf;
}

struct Word {
    double x_min, y_min, x_max, y_max; // from the top-left of the page as displayed
    std::string text;
};

std::vector<Word> words(const std::string& file) {
    const auto out = run("pdftotext -bbox " + file + " -");
    REQUIRE(out.status == 0);
    static const std::regex word_re(
        R"re(<word xMin="([0-9.-]+)" yMin="([0-9.-]+)" xMax="([0-9.-]+)" yMax="([0-9.-]+)">([^<]*)</word>)re");
    std::vector<Word> found;
    for (auto it = std::sregex_iterator(out.output.begin(), out.output.end(), word_re);
         it != std::sregex_iterator(); ++it) {
        found.push_back(Word{std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3]),
                             std::stod((*it)[4]), (*it)[5]});
    }
    return found;
}

const Word* find_word(const std::vector<Word>& all, const std::string& text) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const Word& w) { return w.text == text; });
    return it == all.end() ? nullptr : &*it;
}

// Whether a word lies inside a rect given in PDF user space (origin bottom-left) on an unrotated page.
bool inside(const Word& w, const Rect& r, double page_height) {
    const double top = page_height - (r.y + r.height);
    const double bottom = page_height - r.y;
    return w.x_min >= r.x - 0.5 && w.x_max <= r.x + r.width + 0.5 && w.y_min >= top - 0.5 &&
           w.y_max <= bottom + 0.5;
}

} // namespace

TEST_CASE("a stamped value appears in the page text, in an incremental update", "[stamp]") {
    TempDir dir;
    const auto original = rendered_pdf();
    const Rect rect{54, 600, 300, 24};
    const auto stamped = stamp_fields(original, {StampItem{name_b, 0, rect, 0}}, options());
    REQUIRE(stamped.ok());
    const auto file = dir.write("stamped.pdf", *stamped);

    CHECK_THAT(run("pdftotext -enc UTF-8 " + file + " -").output, Catch::Contains(name_b));
    const auto check = run("qpdf --check " + file);
    CHECK(check.status == 0);
    CHECK_THAT(check.output, Catch::Contains("No syntax or stream encoding errors found"));

    SECTION("the original file is a byte-for-byte prefix of the stamped one") {
        REQUIRE(stamped->size() > original.size());
        CHECK(std::equal(original.begin(), original.end(), stamped->begin()));
    }
    SECTION("the value lies inside its rect") {
        const auto all = words(file);
        const auto* zoe = find_word(all, "Zoë");
        REQUIRE(zoe != nullptr);
        CHECK(inside(*zoe, rect, 841.8898));
    }
}

TEST_CASE("a page that leaves its graphics state changed does not move the stamp", "[stamp]") {
    // The page scales everything by 2 and never restores; appended content would inherit the scale
    // (pdf-signing.md, "Drawing on an existing page").
    const auto original = build_pdf("2 0 0 2 0 0 cm BT /F1 12 Tf 20 300 Td (Original text) Tj ET");
    TempDir dir;
    const Rect rect{100, 100, 200, 24};
    const auto stamped = stamp_fields(original, {StampItem{"Stamped", 0, rect, 0}}, options());
    REQUIRE(stamped.ok());
    const auto file = dir.write("cm.pdf", *stamped);
    const auto all = words(file);

    const auto* stamp = find_word(all, "Stamped");
    REQUIRE(stamp != nullptr);
    CHECK(inside(*stamp, rect, 792));
    SECTION("and the original content still draws where it did, scaled") {
        const auto* original_word = find_word(all, "Original");
        REQUIRE(original_word != nullptr);
        CHECK(original_word->x_min == Approx(40));
    }
    SECTION("also when the page leaves a q open") {
        const auto unbalanced = build_pdf("q 2 0 0 2 0 0 cm BT /F1 12 Tf 20 300 Td (Original text) Tj ET");
        const auto again = stamp_fields(unbalanced, {StampItem{"Stamped", 0, rect, 0}}, options());
        REQUIRE(again.ok());
        const auto again_words = words(dir.write("q.pdf", *again));
        const auto* w = find_word(again_words, "Stamped");
        REQUIRE(w != nullptr);
        CHECK(inside(*w, rect, 792));
    }
}

TEST_CASE("a stamp on a rotated page reads upright", "[stamp]") {
    // /Rotate 90: the viewer turns the page clockwise, so a rect 24 wide and 200 high in user space is a
    // 200-wide, 24-high box on screen, and its text must run along the user-space y axis.
    const auto original = build_pdf("BT /F1 12 Tf 20 300 Td (Original) Tj ET", "/Rotate 90 ");
    TempDir dir;
    const auto stamped =
        stamp_fields(original, {StampItem{name_b, 0, Rect{100, 100, 24, 200}, 0}}, options());
    REQUIRE(stamped.ok());
    const auto all = words(dir.write("rot.pdf", *stamped));
    const auto* first = find_word(all, "Zoë");
    const auto* second = find_word(all, "O&apos;Brien-Núñez");
    REQUIRE(first != nullptr);
    REQUIRE(second != nullptr);
    // Upright on screen: both words on one line, left to right, inside the displayed box (x 100..300 from
    // the left of the turned page, y 100..124 from its top).
    CHECK(first->y_min == Approx(second->y_min));
    CHECK(first->x_max < second->x_min);
    CHECK(first->x_min >= 100);
    CHECK(second->x_max <= 300);
    CHECK(first->y_min >= 100);
    CHECK(first->y_max <= 124);
}

TEST_CASE("a ticked checkbox is stamped as a check mark centred in its box", "[stamp]") {
    const auto original = build_pdf("BT /F1 12 Tf 20 300 Td (Box) Tj ET");
    TempDir dir;
    const Rect box{400, 100, 12, 12};
    const auto stamped = stamp_fields(original, {StampItem{"\u2713", 0, box, 0}}, options());
    REQUIRE(stamped.ok());
    const auto all = words(dir.write("box.pdf", *stamped));
    const auto* mark = find_word(all, "\u2713");
    REQUIRE(mark != nullptr);
    CHECK(inside(*mark, box, 792));
    CHECK((mark->x_min + mark->x_max) / 2 == Approx(406).margin(0.5));
}

TEST_CASE("a PDF that already carries a signature is never stamped", "[stamp]") {
    TempDir dir;
    const std::vector<StampItem> items = {StampItem{"late value", 0, Rect{54, 600, 200, 24}, 0}};

    SECTION("signed by poppler's pdfsig") {
        const auto nss = (dir.path / "nss").string();
        std::filesystem::create_directory(nss);
        REQUIRE(run("certutil -N -d 'sql:" + nss + "' --empty-password").status == 0);
        REQUIRE(run("head -c 64 /dev/urandom > '" + nss +
                    "/noise' && certutil -S -s 'CN=Kinvault Test Signer' "
                    "-n signer -x -t 'CT,C,C' -k rsa -g 2048 -v 12 -d 'sql:" +
                    nss + "' -z '" + nss + "/noise'")
                    .status == 0);
        const auto in = dir.write("in.pdf", rendered_pdf());
        const auto out = (dir.path / "signed.pdf").string();
        run("pdfsig -add-signature -nssdir 'sql:" + nss + "' -nick signer " + in + " '" + out + "'");
        REQUIRE_THAT(run("pdfsig -nocert '" + out + "'").output, Catch::Contains("Signature is Valid."));

        const auto r = stamp_fields(dir.read("signed.pdf"), items, options());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::conflict);
        CHECK(r.error().message ==
              "the PDF already carries a signature; stamping now would change what an earlier signer signed");
    }
    SECTION("a signature field with a value, even without a /ByteRange in sight") {
        const auto pdf =
            build_pdf("BT /F1 12 Tf 20 300 Td (Signed) Tj ET", "/Annots [6 0 R] ",
                      {"<< /Type /Annot /Subtype /Widget /FT /Sig /T (s1) /Rect [0 0 0 0] /P 3 0 R "
                       "/V 7 0 R >>",
                       "<< /Filter /Adobe.PPKLite /Contents <00> >>"},
                      "/AcroForm << /Fields [6 0 R] /SigFlags 3 >> ");
        CHECK(stamp_fields(pdf, items, options()).error().code == Errc::conflict);
    }
    SECTION("an unsigned signature field does not block stamping") {
        const auto pdf =
            build_pdf("BT /F1 12 Tf 20 300 Td (Unsigned) Tj ET", "/Annots [6 0 R] ",
                      {"<< /Type /Annot /Subtype /Widget /FT /Sig /T (s1) /Rect [0 0 0 0] /P 3 0 R >>"},
                      "/AcroForm << /Fields [6 0 R] >> ");
        CHECK(stamp_fields(pdf, items, options()).ok());
    }
}

TEST_CASE("stamp items that cannot be drawn faithfully are refused", "[stamp]") {
    const auto pdf = build_pdf("BT /F1 12 Tf 20 300 Td (Page) Tj ET");

    SECTION("a page the PDF does not have") {
        const auto r = stamp_fields(pdf, {StampItem{"x", 1, Rect{10, 10, 50, 20}, 0}}, options());
        CHECK(r.error().code == Errc::invalid_input);
        CHECK(r.error().message == "stamp item 1 is on page 2 but the PDF has 1");
    }
    SECTION("a rect off the page") {
        CHECK(stamp_fields(pdf, {StampItem{"x", 0, Rect{600, 10, 50, 20}, 0}}, options()).error().message ==
              "stamp item 1 does not lie inside its page");
    }
    SECTION("text that only fits below the smallest readable size") {
        CHECK(stamp_fields(pdf, {StampItem{std::string(200, 'W'), 0, Rect{10, 10, 50, 10}, 0}}, options())
                  .error()
                  .message == "stamp item 1 does not fit its rect at a readable size");
    }
    SECTION("a requested size that does not fit") {
        CHECK(stamp_fields(pdf, {StampItem{"Zoë", 0, Rect{10, 10, 50, 10}, 20}}, options()).error().message ==
              "stamp item 1 does not fit its rect at the requested size");
    }
    SECTION("a character the font cannot draw") {
        CHECK_THAT(
            stamp_fields(pdf, {StampItem{"阮", 0, Rect{10, 10, 50, 20}, 0}}, options()).error().message,
            Catch::Contains("contains U+962E"));
    }
    SECTION("bytes that are not a PDF") {
        const std::string junk = "not a pdf at all";
        CHECK(stamp_fields(Bytes(junk.begin(), junk.end()), {StampItem{"x", 0, Rect{10, 10, 50, 20}, 0}},
                           options())
                  .error()
                  .code == Errc::unprocessable);
    }
}
