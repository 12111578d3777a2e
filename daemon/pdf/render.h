// Renders a parsed template (pdf/template.h) to a PDF with PoDoFo 0.9.8: embedded DejaVu Sans subsets
// (Unicode names come out as written), word wrap, page breaks, "Page N of M" footers carrying the template
// name, version and document id, and the placement of every signer field for the signing step.
#pragma once

#include "common/clock.h"
#include "common/hex.h"
#include "common/result.h"
#include "pdf/geometry.h"
#include "pdf/template.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::pdf {

enum class PageSize { a4, letter };

// Page dimensions in points: A4 is 210 x 297 mm (ISO 216), Letter 8.5 x 11 in.
[[nodiscard]] Rect page_rect(PageSize size);

inline constexpr std::string_view default_regular_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
inline constexpr std::string_view default_bold_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

struct FontFiles {
    std::filesystem::path regular{std::string(default_regular_font)};
    std::filesystem::path bold{std::string(default_bold_font)};
};

// TrueType font bytes. The sandboxed worker reads these before its seccomp filter closes file access and
// hands them in; render and stamp never open a file when they are given.
struct FontSet {
    Bytes regular;
    Bytes bold;
};

[[nodiscard]] Result<FontSet> load_fonts(const FontFiles& files = {});

struct RenderOptions {
    PageSize page_size{PageSize::a4};
    std::string document_id;              // printed in every footer and as {{document.id}}; required
    UnixTime created_at{0};               // the PDF's /CreationDate; fixed input, so same inputs, same bytes
    std::shared_ptr<const FontSet> fonts; // null: read font_files
    FontFiles font_files;
};

struct RenderedDocument {
    Bytes pdf;
    std::vector<FieldPlacement> placements; // in layout order
    int pages{0};
};

// Fails with Errc::invalid_input for missing values (all of them named), for values the font cannot show,
// and for fields that fall outside their page or overlap another field; Errc::unavailable when a font
// cannot be read; Errc::internal for a PoDoFo failure.
[[nodiscard]] Result<RenderedDocument> render_template(const Template& tmpl, const TemplateValues& values,
                                                       const RenderOptions& options);

} // namespace kinvault::pdf

// Shared by render.cpp and stamp.cpp (both in kv_pdf); not part of the public API. PoDoFo types are only
// forward-declared so this header stays free of PoDoFo for the daemon and the gateway.
namespace PoDoFo { // NOLINT(readability-identifier-naming): the library's own name
class PdfFont;
class PdfVecObjects;
} // namespace PoDoFo
struct FT_LibraryRec_; // FreeType's FT_Library is a pointer to this

namespace kinvault::pdf::detail {

struct FontDeleter {
    void operator()(PoDoFo::PdfFont* font) const;
};
using FontPtr = std::unique_ptr<PoDoFo::PdfFont, FontDeleter>;

// An embedded, subsetted CID font (Identity-H, with a ToUnicode map so text extracts as written).
// `subset_tag` is the six upper-case letters ISO 32000-1 §9.6.4 prefixes to a subset's name. PoDoFo keeps
// the `library` pointer, so the variable it points to must outlive the font.
[[nodiscard]] FontPtr embed_font(PoDoFo::PdfVecObjects& objects, FT_LibraryRec_** library, const Bytes& ttf,
                                 const std::string& subset_tag);

// Widths come from the same FreeType metrics PoDoFo writes into /W, so measured text is drawn text.
class TextMeasure {
public:
    explicit TextMeasure(PoDoFo::PdfFont& font) : m_font(font) {}
    [[nodiscard]] double width(std::string_view utf8, double size);
    [[nodiscard]] bool has_glyph(char32_t code_point);

private:
    PoDoFo::PdfFont& m_font;
    std::vector<std::pair<char32_t, double>> m_cache; // sorted by code point; width per 1000 em
    [[nodiscard]] double advance(char32_t code_point);
};

// Decodes UTF-8; nullopt on malformed input.
[[nodiscard]] std::optional<std::u32string> decode_utf8(std::string_view utf8);
[[nodiscard]] std::string encode_utf8(std::u32string_view text);

// The first code point the font cannot draw (no glyph, outside the Basic Multilingual Plane PoDoFo 0.9.8's
// UTF-16 path handles, or a control character); nullopt when all can be drawn.
[[nodiscard]] std::optional<char32_t> first_unsupported(TextMeasure& measure, std::u32string_view text);
[[nodiscard]] std::string describe_code_point(char32_t code_point);

// Greedy word wrap at spaces; a word wider than the line is broken between characters.
[[nodiscard]] std::vector<std::string> wrap_words(TextMeasure& measure, std::string_view utf8, double size,
                                                  double max_width);

// Collapses runs of whitespace (including newlines) into one space and trims the ends.
[[nodiscard]] std::string collapse_whitespace(std::string_view text);

} // namespace kinvault::pdf::detail
