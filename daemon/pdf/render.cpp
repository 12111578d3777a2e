#include "pdf/render.h"

#include "common/file.h"
#include "common/utf8.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>

namespace kinvault::pdf {

namespace detail {

void FontDeleter::operator()(PoDoFo::PdfFont* font) const {
    delete font;
}

FontPtr embed_font(PoDoFo::PdfVecObjects& objects, FT_LibraryRec_** library, const Bytes& ttf,
                   const std::string& subset_tag) {
    // PdfFontMetricsFreetype copies the buffer, so the caller's bytes need not outlive the font. The font
    // object is not in the document's font cache: its owner must call EmbedSubsetFont() before writing.
    const std::string prefix = subset_tag + "+";
    auto* metrics =
        new PoDoFo::PdfFontMetricsFreetype(library, reinterpret_cast<const char*>(ttf.data()),
                                           static_cast<unsigned int>(ttf.size()), false, prefix.c_str());
    // CreateFontObject owns the metrics from here on: the font deletes them, and so does a failed call.
    // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks)
    return FontPtr(PoDoFo::PdfFontFactory::CreateFontObject(
        metrics, PoDoFo::ePdfFont_Embedded | PoDoFo::ePdfFont_Subsetting,
        PoDoFo::PdfEncodingFactory::GlobalIdentityEncodingInstance(), &objects));
}

double TextMeasure::advance(char32_t code_point) {
    const auto it = std::lower_bound(m_cache.begin(), m_cache.end(), code_point,
                                     [](const auto& entry, char32_t cp) { return entry.first < cp; });
    if (it != m_cache.end() && it->first == code_point) {
        return it->second;
    }
    const auto* metrics = m_font.GetFontMetrics();
    const long glyph = metrics->GetGlyphId(static_cast<long>(code_point));
    const double w = glyph == 0 ? 0.0 : metrics->GetGlyphWidth(static_cast<int>(glyph));
    m_cache.insert(it, {code_point, w});
    return w;
}

double TextMeasure::width(std::string_view utf8, double size) {
    const auto text = decode_utf8(utf8);
    if (!text) {
        return 0;
    }
    double total = 0;
    for (const char32_t c : *text) {
        total += advance(c);
    }
    return total * size / 1000.0;
}

bool TextMeasure::has_glyph(char32_t code_point) {
    return m_font.GetFontMetrics()->GetGlyphId(static_cast<long>(code_point)) != 0;
}

// Thin names over common/utf8.h, the one decoder, kept because the layout code reads better with them.
std::optional<std::u32string> decode_utf8(std::string_view utf8) {
    return utf8::decode(utf8);
}

std::string encode_utf8(std::u32string_view text) {
    return utf8::encode(text);
}

std::optional<char32_t> first_unsupported(TextMeasure& measure, std::u32string_view text) {
    for (const char32_t c : text) {
        if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c > 0xFFFF || !measure.has_glyph(c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::string describe_code_point(char32_t code_point) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(code_point));
    std::string out = buf;
    if (code_point >= 0x20 && code_point != 0x7F && !(code_point >= 0x80 && code_point < 0xA0)) {
        out += " '" + encode_utf8(std::u32string(1, code_point)) + "'";
    }
    return out;
}

std::string collapse_whitespace(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
    }
    return out;
}

namespace {

// Splits a word wider than the line between characters.
std::vector<std::string> break_word(TextMeasure& measure, std::string_view word, double size,
                                    double max_width) {
    std::vector<std::string> pieces;
    const auto text = decode_utf8(word).value_or(std::u32string{});
    std::u32string current;
    double current_width = 0;
    for (const char32_t c : text) {
        const std::u32string one(1, c);
        const double w = measure.width(encode_utf8(one), size);
        if (!current.empty() && current_width + w > max_width) {
            pieces.push_back(encode_utf8(current));
            current.clear();
            current_width = 0;
        }
        current += c;
        current_width += w;
    }
    if (!current.empty()) {
        pieces.push_back(encode_utf8(current));
    }
    return pieces;
}

} // namespace

std::vector<std::string> wrap_words(TextMeasure& measure, std::string_view utf8, double size,
                                    double max_width) {
    std::vector<std::string> lines;
    std::string line;
    double line_width = 0;
    const double space = measure.width(" ", size);
    const auto text = collapse_whitespace(utf8);
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const auto word = std::string_view(text).substr(start, end - start);
        start = end + 1;
        const double w = measure.width(word, size);
        if (!line.empty() && line_width + space + w <= max_width) {
            line += ' ';
            line += word;
            line_width += space + w;
            continue;
        }
        if (!line.empty()) {
            lines.push_back(std::move(line));
            line.clear();
        }
        if (w <= max_width) {
            line = std::string(word);
            line_width = w;
            continue;
        }
        auto pieces = break_word(measure, word, size, max_width);
        for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
            lines.push_back(std::move(pieces[i]));
        }
        line = pieces.empty() ? std::string{} : std::move(pieces.back());
        line_width = measure.width(line, size);
    }
    if (!line.empty()) {
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace detail

namespace {

using detail::TextMeasure;

constexpr double margin = 54; // 0.75 in on every side
constexpr double footer_baseline = 28;
constexpr double line_factor = 1.32;   // line height / font size (DejaVu's own spacing is 1.164 em)
constexpr double ascent_factor = 0.96; // baseline below the top of a line, per font size
constexpr double field_gray = 0.35;

double line_height(double size) {
    return size * line_factor;
}

struct TextOp {
    std::string text;
    bool bold{false};
    double size{0};
    double x{0};
    double y{0};
};

struct LineOp {
    double x1, y1, x2, y2;
    double width;
};

struct PageOps {
    std::vector<TextOp> texts;
    std::vector<LineOp> lines;
    std::vector<Rect> boxes;
};

struct Segment {
    std::string text;
    bool bold{false};
};

struct Word {
    std::vector<Segment> segments;
    double width{0};
};

struct PlacedField {
    FieldPlacement placement;
    int line{0};
};

std::string pdf_date(UnixTime t) {
    // ISO 32000-1 §7.9.4: D:YYYYMMDDHHmmSS followed by Z for UTC.
    const auto iso = format_utc(t); // 2026-11-23T16:54:28Z
    std::string out = "D:";
    for (const char c : iso) {
        if (c >= '0' && c <= '9') {
            out += c;
        }
    }
    return out + "Z";
}

bool is_slot_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

class Layout {
public:
    Layout(const Template& tmpl, ValueScope& scope, TextMeasure& regular, TextMeasure& bold, Rect page,
           double content_bottom)
        : m_template(tmpl), m_scope(scope), m_regular(regular), m_bold(bold), m_page_rect(page),
          m_left(margin), m_right(page.width - margin), m_top(page.height - margin),
          m_bottom(content_bottom) {
        m_size = std::max(11.0, tmpl.min_font_size);
        new_page();
    }

    Status run() {
        blocks(m_template.body);
        if (m_error) {
            return *m_error;
        }
        place_positioned_fields();
        if (m_error) {
            return *m_error;
        }
        return check_fields();
    }

    std::vector<PageOps>& pages() { return m_pages; }
    std::vector<PlacedField>& fields() { return m_fields; }
    const std::string& title() const { return m_title; }

private:
    const Template& m_template;
    ValueScope& m_scope;
    TextMeasure& m_regular;
    TextMeasure& m_bold;
    Rect m_page_rect;
    double m_left;
    double m_right;
    double m_top;
    double m_bottom;
    double m_size;
    double m_y{0};
    bool m_page_has_content{false};
    bool m_after_list{false};
    std::vector<PageOps> m_pages;
    std::vector<PlacedField> m_fields;
    std::vector<std::pair<PlacedField, bool>> m_positioned; // explicit at= fields, drawn after layout
    std::optional<Error> m_error;
    std::string m_title;

    double content_width() const { return m_right - m_left; }
    int page_index() const { return static_cast<int>(m_pages.size()) - 1; }
    PageOps& page() { return m_pages.back(); }
    double caption_size() const { return std::max(m_size * 0.85, m_template.min_font_size); }
    TextMeasure& measure(bool bold) { return bold ? m_bold : m_regular; }

    void fail(int line, const std::string& message) {
        if (!m_error) {
            m_error = make_error(Errc::invalid_input,
                                 m_template.source + ":" + std::to_string(line) + ": " + message);
        }
    }

    void new_page() {
        m_pages.emplace_back();
        m_y = m_top;
        m_page_has_content = false;
    }

    // Starts a new page unless `height` still fits; an empty page takes whatever comes.
    void ensure(double height) {
        if (m_y - height < m_bottom && m_page_has_content) {
            new_page();
        }
    }

    void gap(double amount) {
        if (m_page_has_content) {
            m_y -= amount;
        }
    }

    // Resolves references and checks every character against the font that will draw it.
    std::optional<std::vector<Segment>> resolve(int line, const InlineText& text) {
        std::vector<Segment> segments;
        bool bold = false;
        for (const auto& part : text) {
            if (part.kind == TextPart::Kind::bold_toggle) {
                bold = !bold;
                continue;
            }
            std::string value;
            if (part.kind == TextPart::Kind::literal) {
                value = part.text;
            } else {
                const auto found = m_scope.lookup(part.text);
                if (!found) {
                    fail(line, "missing value: " + m_scope.describe(part.text));
                    return std::nullopt;
                }
                value = detail::collapse_whitespace(*found);
            }
            const auto decoded = detail::decode_utf8(value);
            if (!decoded) {
                fail(line, part.kind == TextPart::Kind::literal
                               ? "the template text is not valid UTF-8"
                               : "the value of " + m_scope.describe(part.text) + " is not valid UTF-8");
                return std::nullopt;
            }
            if (const auto bad = detail::first_unsupported(measure(bold), *decoded)) {
                fail(line,
                     (part.kind == TextPart::Kind::literal ? std::string("the template text")
                                                           : "the value of " + m_scope.describe(part.text)) +
                         " contains " + detail::describe_code_point(*bad) +
                         ", which the embedded font cannot draw");
                return std::nullopt;
            }
            if (!segments.empty() && segments.back().bold == bold) {
                segments.back().text += value;
            } else {
                segments.push_back(Segment{std::move(value), bold});
            }
        }
        return segments;
    }

    std::optional<std::string> resolve_plain(int line, const InlineText& text) {
        auto segments = resolve(line, text);
        if (!segments) {
            return std::nullopt;
        }
        std::string out;
        for (const auto& s : *segments) {
            out += s.text;
        }
        return detail::collapse_whitespace(out);
    }

    std::vector<Word> words_of(const std::vector<Segment>& segments, double size) {
        std::vector<Word> words;
        Word current;
        const auto finish = [&] {
            if (!current.segments.empty()) {
                for (const auto& s : current.segments) {
                    current.width += measure(s.bold).width(s.text, size);
                }
                words.push_back(std::move(current));
                current = Word{};
            }
        };
        for (const auto& seg : segments) {
            for (const char c : seg.text) {
                if (c == ' ' || c == '\t') {
                    finish();
                    continue;
                }
                if (current.segments.empty() || current.segments.back().bold != seg.bold) {
                    current.segments.push_back(Segment{{}, seg.bold});
                }
                current.segments.back().text += c;
            }
        }
        finish();
        return words;
    }

    double space_after(const Word& word, double size) {
        return measure(word.segments.back().bold).width(" ", size);
    }

    // A word wider than the line is broken between characters so it never runs off the page.
    std::vector<Word> split_word(const Word& word, double size, double max_width) {
        std::vector<Word> pieces;
        Word current;
        for (const auto& seg : word.segments) {
            const auto chars = detail::decode_utf8(seg.text).value_or(std::u32string{});
            for (const char32_t c : chars) {
                const auto glyph = detail::encode_utf8(std::u32string(1, c));
                const double w = measure(seg.bold).width(glyph, size);
                if (!current.segments.empty() && current.width + w > max_width) {
                    pieces.push_back(std::move(current));
                    current = Word{};
                }
                if (current.segments.empty() || current.segments.back().bold != seg.bold) {
                    current.segments.push_back(Segment{{}, seg.bold});
                }
                current.segments.back().text += glyph;
                current.width += w;
            }
        }
        if (!current.segments.empty()) {
            pieces.push_back(std::move(current));
        }
        return pieces;
    }

    std::vector<std::vector<Word>> break_lines(std::vector<Word> words, double size, double max_width) {
        std::vector<std::vector<Word>> lines;
        std::vector<Word> line;
        double width = 0;
        for (auto& word : words) {
            if (!line.empty() && width + space_after(line.back(), size) + word.width <= max_width) {
                width += space_after(line.back(), size) + word.width;
                line.push_back(std::move(word));
                continue;
            }
            if (!line.empty()) {
                lines.push_back(std::move(line));
                line.clear();
            }
            if (word.width <= max_width) {
                width = word.width;
                line.push_back(std::move(word));
                continue;
            }
            auto pieces = split_word(word, size, max_width);
            for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
                lines.push_back({std::move(pieces[i])});
            }
            width = pieces.back().width;
            line.push_back(std::move(pieces.back()));
        }
        if (!line.empty()) {
            lines.push_back(std::move(line));
        }
        return lines;
    }

    double line_width(const std::vector<Word>& line, double size) {
        double w = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            w += line[i].width + (i + 1 < line.size() ? space_after(line[i], size) : 0);
        }
        return w;
    }

    // Emits one line of words with its baseline at `baseline`; runs of the same weight become one text op,
    // and the space after a word is drawn in that word's weight (which is also how it was measured).
    void draw_line(const std::vector<Word>& line, double x, double baseline, double size) {
        auto& ops = page().texts;
        bool extend = false; // the last op belongs to this line and may take more text
        double cursor = x;
        for (std::size_t i = 0; i < line.size(); ++i) {
            for (const auto& seg : line[i].segments) {
                if (extend && ops.back().bold == seg.bold) {
                    ops.back().text += seg.text;
                } else {
                    ops.push_back(TextOp{seg.text, seg.bold, size, cursor, baseline});
                    extend = true;
                }
                cursor += measure(seg.bold).width(seg.text, size);
            }
            if (i + 1 < line.size()) {
                // The last op holds this word's last segment, so the space takes that segment's weight.
                ops.back().text += ' ';
                cursor += space_after(line[i], size);
            }
        }
        m_page_has_content = true;
    }

    // Flows text from the current position, starting a new page whenever the next line does not fit;
    // `indent` shifts it right (list items), `marker` is drawn in the indent of the first line.
    void flow(const std::vector<Segment>& segments, double size, double indent, bool centered,
              const std::string& marker = {}, bool marker_bold = false) {
        const double width = content_width() - indent;
        auto lines = break_lines(words_of(segments, size), size, width);
        if (lines.empty()) {
            return;
        }
        const double lh = line_height(size);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            ensure(lh);
            const double baseline = m_y - size * ascent_factor;
            double x = m_left + indent;
            if (centered) {
                x = m_left + (content_width() - line_width(lines[i], size)) / 2;
            }
            if (i == 0 && !marker.empty()) {
                page().texts.push_back(TextOp{marker, marker_bold, size, m_left + indent * 0.25, baseline});
            }
            draw_line(lines[i], x, baseline, size);
            m_y -= lh;
        }
    }

    std::size_t count_lines(const std::vector<Segment>& segments, double size, double width) {
        return break_lines(words_of(segments, size), size, width).size();
    }

    void blocks(const std::vector<Block>& list) {
        for (const auto& block : list) {
            if (m_error) {
                return;
            }
            this->block(block);
        }
    }

    void block(const Block& b) {
        // A list ends with a little more room than lies between its items.
        switch (b.kind) {
        case BlockKind::paragraph:
        case BlockKind::rule:
        case BlockKind::field:
        case BlockKind::signature_block:
            if (m_after_list) {
                gap(m_size * 0.25);
            }
            m_after_list = false;
            break;
        case BlockKind::title:
        case BlockKind::heading:
        case BlockKind::subheading:
            m_after_list = false;
            break;
        case BlockKind::bullet:
        case BlockKind::numbered:
            m_after_list = true;
            break;
        default:
            break;
        }
        switch (b.kind) {
        case BlockKind::title:
        case BlockKind::heading:
        case BlockKind::subheading:
            heading(b);
            break;
        case BlockKind::paragraph:
            if (const auto segments = resolve(b.line, b.text)) {
                flow(*segments, m_size, 0, false);
                m_y -= m_size * 0.5;
            }
            break;
        case BlockKind::bullet:
        case BlockKind::numbered:
            if (const auto segments = resolve(b.line, b.text)) {
                const bool bullet = b.kind == BlockKind::bullet;
                flow(*segments, m_size, m_size * 1.6, false, bullet ? "\u2022" : b.marker, false);
                m_y -= m_size * 0.3;
            }
            break;
        case BlockKind::space:
            m_y -= b.amount;
            if (m_y < m_bottom) {
                new_page();
            }
            break;
        case BlockKind::page_break:
            if (m_page_has_content) {
                new_page();
            }
            break;
        case BlockKind::rule:
            ensure(m_size);
            page().lines.push_back(LineOp{m_left, m_y - m_size * 0.5, m_right, m_y - m_size * 0.5, 0.5});
            m_page_has_content = true;
            m_y -= m_size;
            break;
        case BlockKind::font_size:
            m_size = std::max(b.amount, m_template.min_font_size);
            break;
        case BlockKind::field:
            field(b);
            break;
        case BlockKind::signature_block:
            signature_block(b);
            break;
        case BlockKind::if_block:
            blocks(m_scope.test(b.condition) ? b.children : b.else_children);
            break;
        case BlockKind::each_block: {
            const auto count = m_scope.item_count(b.list);
            for (std::size_t i = 0; i < count && !m_error; ++i) {
                m_scope.enter(b.list, i);
                blocks(b.children);
                m_scope.leave();
            }
            break;
        }
        }
    }

    void heading(const Block& b) {
        auto segments = resolve(b.line, b.text);
        if (!segments) {
            return;
        }
        // Headings are bold throughout; ** inside a heading has nothing to switch to.
        for (auto& s : *segments) {
            s.bold = true;
        }
        const double size = b.kind == BlockKind::title     ? m_size * 1.6
                            : b.kind == BlockKind::heading ? m_size * 1.25
                                                           : m_size * 1.08;
        if (b.kind == BlockKind::title && m_title.empty()) {
            for (const auto& s : *segments) {
                m_title += s.text;
            }
        }
        gap(size * 0.6);
        // Keep a heading with at least two lines of what follows it.
        const auto lines = count_lines(*segments, size, content_width());
        ensure(static_cast<double>(lines) * line_height(size) + 2 * line_height(m_size));
        flow(*segments, size, 0, b.kind == BlockKind::title);
        m_y -= size * 0.25;
    }

    struct FieldIdentity {
        std::string slot;
        std::string name;
    };

    std::optional<FieldIdentity> identify(const Block& b, FieldKind kind) {
        const auto slot = resolve_plain(b.line, b.slot);
        if (!slot) {
            return std::nullopt;
        }
        if (!is_slot_name(*slot)) {
            fail(b.line, "signer slot '" + *slot + "' must be lower-case letters, digits and '_'");
            return std::nullopt;
        }
        std::string name;
        if (b.field_name.empty() || kind != b.field_kind) {
            name = *slot + "." + std::string(field_kind_name(kind));
        } else {
            const auto resolved = resolve_plain(b.line, b.field_name);
            if (!resolved) {
                return std::nullopt;
            }
            name = *resolved;
        }
        if (name.empty() || name.size() > 128) {
            fail(b.line, "field name must be 1 to 128 characters");
            return std::nullopt;
        }
        return FieldIdentity{*slot, name};
    }

    void add_field(int line, const FieldIdentity& id, FieldKind kind, int page_index, Rect rect) {
        m_fields.push_back(PlacedField{FieldPlacement{id.name, kind, id.slot, page_index, rect}, line});
    }

    // A signature line: an underlined box with a caption-size label beneath it.
    void draw_underlined(Rect r) {
        page().lines.push_back(LineOp{r.x, r.y, r.x + r.width, r.y, 0.75});
        m_page_has_content = true;
    }

    void label_below(const std::string& text, double x, double line_y, double max_width) {
        if (text.empty()) {
            return;
        }
        const double size = caption_size();
        double baseline = line_y - size * ascent_factor - 2;
        for (const auto& l : detail::wrap_words(m_regular, text, size, max_width)) {
            page().texts.push_back(TextOp{l, false, size, x, baseline});
            baseline -= line_height(size);
        }
    }

    double label_height(const std::string& text, double max_width) {
        if (text.empty()) {
            return 0;
        }
        const double size = caption_size();
        return 2 + static_cast<double>(detail::wrap_words(m_regular, text, size, max_width).size()) *
                       line_height(size);
    }

    static std::string default_label(FieldKind kind) {
        switch (kind) {
        case FieldKind::signature:
            return "Signature";
        case FieldKind::initials:
            return "Initials";
        case FieldKind::date:
            return "Date";
        case FieldKind::text:
        case FieldKind::checkbox:
            return {};
        }
        return {};
    }

    void field(const Block& b) {
        const auto id = identify(b, b.field_kind);
        if (!id) {
            return;
        }
        const double s = m_size;
        double width = b.width;
        double height = b.height;
        switch (b.field_kind) {
        case FieldKind::signature:
            width = width > 0 ? width : std::min(300.0, content_width() * 0.6);
            height = height > 0 ? height : 40;
            break;
        case FieldKind::initials:
            width = width > 0 ? width : 80;
            height = height > 0 ? height : 32;
            break;
        case FieldKind::date:
            width = width > 0 ? width : 140;
            height = height > 0 ? height : std::max(22.0, s * 1.8);
            break;
        case FieldKind::text:
            width = width > 0 ? width : (b.at ? 200 : content_width());
            height = height > 0 ? height : std::max(22.0, s * 1.8);
            break;
        case FieldKind::checkbox:
            width = width > 0 ? width : std::max(11.0, s);
            height = height > 0 ? height : width;
            break;
        }
        if (b.at) {
            const Rect rect{b.at->x, b.at->y, width, height};
            m_positioned.emplace_back(
                PlacedField{FieldPlacement{id->name, b.field_kind, id->slot, b.at->page, rect}, b.line},
                true);
            return;
        }
        if (width > content_width()) {
            fail(b.line, "width= is wider than the text column (" +
                             std::to_string(static_cast<int>(content_width())) + " points)");
            return;
        }
        std::optional<std::string> label;
        if (!b.text.empty()) {
            label = resolve_plain(b.line, b.text);
            if (!label) {
                return;
            }
        }
        if (b.field_kind == FieldKind::checkbox) {
            checkbox(b, *id, width, label.value_or(""));
            return;
        }
        const std::string text = label.value_or(default_label(b.field_kind));
        gap(s * 0.4);
        ensure(height + label_height(text, content_width()));
        const Rect rect{m_left, m_y - height, width, height};
        draw_underlined(rect);
        add_field(b.line, *id, b.field_kind, page_index(), rect);
        label_below(text, m_left, rect.y, content_width());
        m_y = rect.y - label_height(text, content_width()) - s * 0.5;
    }

    void checkbox(const Block& b, const FieldIdentity& id, double box, const std::string& label) {
        const double s = m_size;
        const double indent = box + s * 0.6;
        auto lines = detail::wrap_words(m_regular, label, s, content_width() - indent);
        const double text_height =
            static_cast<double>(std::max<std::size_t>(1, lines.size())) * line_height(s);
        ensure(std::max(text_height, box + 2));
        const double baseline = m_y - s * ascent_factor;
        const Rect rect{m_left, baseline - s * 0.15, box, box};
        page().boxes.push_back(rect);
        add_field(b.line, id, FieldKind::checkbox, page_index(), rect);
        double y = baseline;
        for (const auto& l : lines) {
            page().texts.push_back(TextOp{l, false, s, m_left + indent, y});
            y -= line_height(s);
        }
        m_page_has_content = true;
        m_y -= std::max(text_height, box + s * 0.4) + s * 0.3;
    }

    void signature_block(const Block& b) {
        const auto sig = identify(b, FieldKind::signature);
        const auto date = identify(b, FieldKind::date);
        if (!sig || !date) {
            return;
        }
        std::vector<std::string> captions;
        for (const auto& c : b.captions) {
            auto resolved = resolve_plain(b.line, c);
            if (!resolved) {
                return;
            }
            captions.push_back(std::move(*resolved));
        }
        const double gutter = 24;
        const double height = b.height > 0 ? b.height : 40;
        const double sig_width = b.width > 0 ? b.width : std::min(300.0, content_width() * 0.6);
        const double date_width = std::min(140.0, content_width() - sig_width - gutter);
        if (sig_width > content_width() || (b.with_date && date_width < 72)) {
            fail(b.line,
                 "width= leaves no room for the date field beside the signature (use a smaller width or "
                 "date=no)");
            return;
        }
        const double cs = caption_size();
        double caption_height = label_height("Signature", sig_width);
        for (const auto& c : captions) {
            caption_height +=
                static_cast<double>(detail::wrap_words(m_regular, c, cs, content_width()).size()) *
                line_height(cs);
        }
        gap(m_size * 0.8);
        // A signature block never splits across pages: the signer must see what they sign next to the line.
        ensure(height + caption_height);
        const Rect sig_rect{m_left, m_y - height, sig_width, height};
        draw_underlined(sig_rect);
        add_field(b.line, *sig, FieldKind::signature, page_index(), sig_rect);
        label_below("Signature", sig_rect.x, sig_rect.y, sig_width);
        if (b.with_date) {
            const Rect date_rect{m_left + sig_width + gutter, sig_rect.y, date_width, std::min(height, 28.0)};
            draw_underlined(date_rect);
            add_field(b.line, *date, FieldKind::date, page_index(), date_rect);
            label_below("Date", date_rect.x, date_rect.y, date_width);
        }
        m_y = sig_rect.y - label_height("Signature", sig_width);
        for (const auto& c : captions) {
            for (const auto& l : detail::wrap_words(m_regular, c, cs, content_width())) {
                page().texts.push_back(TextOp{l, false, cs, m_left, m_y - cs * ascent_factor});
                m_y -= line_height(cs);
            }
        }
        m_y -= m_size * 0.6;
    }

    void place_positioned_fields() {
        for (auto& [placed, _] : m_positioned) {
            const auto& p = placed.placement;
            if (p.page >= static_cast<int>(m_pages.size())) {
                fail(placed.line, "at= puts field " + p.name + " on page " + std::to_string(p.page + 1) +
                                      " but the document has " + std::to_string(m_pages.size()) + " page(s)");
                return;
            }
            auto& ops = m_pages[static_cast<std::size_t>(p.page)];
            if (p.kind == FieldKind::checkbox) {
                ops.boxes.push_back(p.rect);
            } else {
                ops.lines.push_back(LineOp{p.rect.x, p.rect.y, p.rect.x + p.rect.width, p.rect.y, 0.75});
            }
            m_fields.push_back(placed);
        }
    }

    // Every field must be on its page, unique by name and clear of every other field, or the signing
    // step would draw one signer's widget over another's.
    Status check_fields() {
        constexpr double eps = 1e-6;
        const Rect& page = m_page_rect;
        for (std::size_t i = 0; i < m_fields.size(); ++i) {
            const auto& a = m_fields[i].placement;
            if (a.rect.x < -eps || a.rect.y < -eps || a.rect.x + a.rect.width > page.width + eps ||
                a.rect.y + a.rect.height > page.height + eps) {
                fail(m_fields[i].line, "field " + a.name + " does not fit on the page");
                return *m_error;
            }
            for (std::size_t j = 0; j < i; ++j) {
                const auto& b = m_fields[j].placement;
                if (a.name == b.name) {
                    fail(m_fields[i].line, "field name " + a.name + " is used twice (also on line " +
                                               std::to_string(m_fields[j].line) + "); give one a name=");
                    return *m_error;
                }
                const bool overlap = a.page == b.page && a.rect.x < b.rect.x + b.rect.width - eps &&
                                     b.rect.x < a.rect.x + a.rect.width - eps &&
                                     a.rect.y < b.rect.y + b.rect.height - eps &&
                                     b.rect.y < a.rect.y + a.rect.height - eps;
                if (overlap) {
                    fail(m_fields[i].line, "field " + a.name + " overlaps field " + b.name + " (line " +
                                               std::to_string(m_fields[j].line) + ")");
                    return *m_error;
                }
            }
        }
        return {};
    }
};

// The footer is laid out once, for the widest page number the document could have, so the text column's
// bottom edge does not depend on the page count it is about to determine.
struct Footer {
    double size{8};
    std::vector<std::string> left_lines; // template name, version, document id
    bool page_on_own_line{false};

    double height() const {
        const auto rows = left_lines.size() + (page_on_own_line ? 1 : 0);
        return static_cast<double>(rows == 0 ? 1 : rows) * line_height(size);
    }
};

Footer plan_footer(TextMeasure& regular, const Template& tmpl, const std::string& document_id, double width) {
    Footer footer;
    footer.size = std::max(8.0, tmpl.min_font_size);
    const std::string left = tmpl.name + " v" + tmpl.version + " \u00b7 Document " + document_id;
    const double widest_page = regular.width("Page 9999 of 9999", footer.size);
    const double gap = footer.size * 2;
    if (regular.width(left, footer.size) + gap + widest_page <= width) {
        footer.left_lines = {left};
    } else {
        footer.left_lines = detail::wrap_words(regular, left, footer.size, width);
        footer.page_on_own_line = true;
    }
    return footer;
}

void draw_footer(PageOps& ops, TextMeasure& regular, const Footer& footer, int page, int pages,
                 double right) {
    const std::string page_text = "Page " + std::to_string(page) + " of " + std::to_string(pages);
    const double page_width = regular.width(page_text, footer.size);
    const double lh = line_height(footer.size);
    double y = footer_baseline;
    if (footer.page_on_own_line) {
        ops.texts.push_back(TextOp{page_text, false, footer.size, right - page_width, y});
        y += lh;
        for (auto it = footer.left_lines.rbegin(); it != footer.left_lines.rend(); ++it) {
            ops.texts.push_back(TextOp{*it, false, footer.size, margin, y});
            y += lh;
        }
        return;
    }
    ops.texts.push_back(TextOp{footer.left_lines.front(), false, footer.size, margin, y});
    ops.texts.push_back(TextOp{page_text, false, footer.size, right - page_width, y});
}

Result<Bytes> read_font_file(const std::filesystem::path& path) {
    constexpr std::size_t max_font_size = 64 << 20;
    auto data = read_file(path.string(), max_font_size);
    if (!data || data->empty()) {
        return make_error(Errc::unavailable, "cannot read font " + path.string());
    }
    return data;
}

void quiet_podofo() {
    static std::once_flag once;
    std::call_once(once, [] {
        PoDoFo::PdfError::EnableDebug(false);
        PoDoFo::PdfError::EnableLogging(false);
    });
}

PoDoFo::PdfString utf8_string(const std::string& text) {
    return PoDoFo::PdfString(reinterpret_cast<const PoDoFo::pdf_utf8*>(text.data()),
                             static_cast<PoDoFo::pdf_long>(text.size()));
}

Result<RenderedDocument> render_with_fonts(const Template& tmpl, const TemplateValues& values,
                                           const RenderOptions& options, const FontSet& fonts) {
    const Rect page = page_rect(options.page_size);
    PoDoFo::PdfMemDocument doc;
    doc.SetPdfVersion(PoDoFo::ePdfVersion_1_7);
    FT_Library library = doc.GetFontLibrary(); // outlives the fonts below, which keep its address
    const auto regular_font = detail::embed_font(doc.GetObjects(), &library, fonts.regular, "KVRGLR");
    const auto bold_font = detail::embed_font(doc.GetObjects(), &library, fonts.bold, "KVBOLD");
    if (!regular_font || !bold_font) {
        return make_error(Errc::internal, "PoDoFo could not load the fonts");
    }
    TextMeasure regular(*regular_font);
    TextMeasure bold(*bold_font);

    const auto id_chars = detail::decode_utf8(options.document_id);
    if (!id_chars || detail::first_unsupported(regular, *id_chars)) {
        return make_error(Errc::invalid_input, "the document id contains characters the font cannot draw");
    }
    const Footer footer = plan_footer(regular, tmpl, options.document_id, page.width - 2 * margin);
    const double content_bottom = std::max(margin, footer_baseline + footer.height() + footer.size * 0.8);

    ValueScope scope(tmpl, values,
                     {{std::string(builtin_template_name), tmpl.name},
                      {std::string(builtin_template_version), tmpl.version},
                      {std::string(builtin_document_id), options.document_id}});
    Layout layout(tmpl, scope, regular, bold, page, content_bottom);
    KV_TRY(layout.run());

    auto& pages = layout.pages();
    const int page_count = static_cast<int>(pages.size());
    for (int i = 0; i < page_count; ++i) {
        draw_footer(pages[static_cast<std::size_t>(i)], regular, footer, i + 1, page_count,
                    page.width - margin);
    }

    for (const auto& ops : pages) {
        auto* pdf_page = doc.CreatePage(PoDoFo::PdfRect(0, 0, page.width, page.height));
        PoDoFo::PdfPainter painter;
        painter.SetPage(pdf_page);
        if (!ops.lines.empty() || !ops.boxes.empty()) {
            painter.SetStrokingColor(PoDoFo::PdfColor(field_gray));
        }
        for (const auto& line : ops.lines) {
            painter.SetStrokeWidth(line.width);
            painter.DrawLine(line.x1, line.y1, line.x2, line.y2);
        }
        for (const auto& box : ops.boxes) {
            painter.SetStrokeWidth(0.75);
            painter.Rectangle(box.x, box.y, box.width, box.height);
            painter.Stroke();
        }
        for (const auto& text : ops.texts) {
            auto& font = text.bold ? *bold_font : *regular_font;
            font.SetFontSize(static_cast<float>(text.size));
            painter.SetFont(&font);
            painter.DrawText(text.x, text.y, utf8_string(text.text));
        }
        painter.FinishPage();
    }
    regular_font->EmbedSubsetFont();
    bold_font->EmbedSubsetFont();

    auto* info = doc.GetInfo();
    info->SetCreator(PoDoFo::PdfString("Kinvault"));
    info->SetProducer(PoDoFo::PdfString("Kinvault (PoDoFo 0.9.8)"));
    if (!layout.title().empty()) {
        info->SetTitle(utf8_string(layout.title()));
    }
    info->SetCustomKey(PoDoFo::PdfName("KinvaultTemplate"), utf8_string(tmpl.name + " " + tmpl.version));
    info->SetCustomKey(PoDoFo::PdfName("KinvaultDocumentId"), utf8_string(options.document_id));
    // PoDoFo stamps the wall clock here; the caller's time keeps the output (and the /ID PoDoFo derives
    // from the info dictionary) a function of the inputs.
    info->GetObject()->GetDictionary().AddKey(PoDoFo::PdfName("CreationDate"),
                                              PoDoFo::PdfString(pdf_date(options.created_at)));

    PoDoFo::PdfRefCountedBuffer buffer;
    PoDoFo::PdfOutputDevice device(&buffer);
    doc.Write(&device);
    const auto* data = reinterpret_cast<const std::uint8_t*>(buffer.GetBuffer());

    RenderedDocument out;
    out.pdf.assign(data, data + device.GetLength());
    out.pages = page_count;
    for (auto& placed : layout.fields()) {
        out.placements.push_back(std::move(placed.placement));
    }
    return out;
}

} // namespace

Rect page_rect(PageSize size) {
    switch (size) {
    case PageSize::a4:
        return Rect{0, 0, 595.2756, 841.8898};
    case PageSize::letter:
        return Rect{0, 0, 612, 792};
    }
    return Rect{0, 0, 595.2756, 841.8898};
}

Result<FontSet> load_fonts(const FontFiles& files) {
    auto regular = KV_TRY_VALUE(read_font_file(files.regular));
    auto bold = KV_TRY_VALUE(read_font_file(files.bold));
    return FontSet{std::move(regular), std::move(bold)};
}

Result<RenderedDocument> render_template(const Template& tmpl, const TemplateValues& values,
                                         const RenderOptions& options) {
    if (options.document_id.empty()) {
        return make_error(Errc::invalid_input, "a document id is required: every page's footer carries it");
    }
    KV_TRY(check_values(tmpl, values));
    std::shared_ptr<const FontSet> fonts = options.fonts;
    if (!fonts) {
        auto loaded = KV_TRY_VALUE(load_fonts(options.font_files));
        fonts = std::make_shared<const FontSet>(std::move(loaded));
    }
    quiet_podofo();
    try {
        return render_with_fonts(tmpl, values, options, *fonts);
    } catch (const PoDoFo::PdfError& e) {
        return make_error(Errc::internal, std::string("PoDoFo failed while rendering: ") +
                                              PoDoFo::PdfError::ErrorName(e.GetError()));
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("rendering failed: ") + e.what());
    }
}

} // namespace kinvault::pdf
