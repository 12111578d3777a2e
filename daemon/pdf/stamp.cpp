#include "pdf/stamp.h"

#include "crypto/sha256.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <string_view>

namespace kinvault::pdf {

namespace {

using detail::TextMeasure;

constexpr double default_max_size = 12;
constexpr double line_factor = 1.2;    // line height / font size inside a field
constexpr double ascent_factor = 0.93; // DejaVu Sans ascent (928/1000 em)

struct Fitted {
    double size{0};
    std::vector<std::string> lines;
};

// The box as the reader sees it: a page with /Rotate 90 or 270 shows a field rotated, so its visual
// width is the rect's height.
struct VisualBox {
    double width;
    double height;
    // Maps the upright box (0,0)-(width,height) into default user space (ISO 32000-1 §8.3.3 matrix a b c d e
    // f).
    double a, b, c, d, e, f;
};

VisualBox visual_box(const Rect& r, int rotation) {
    switch (rotation) {
    case 90: // the viewer turns the page clockwise: draw text along +y, upright towards -x
        return VisualBox{r.height, r.width, 0, 1, -1, 0, r.x + r.width, r.y};
    case 180:
        return VisualBox{r.width, r.height, -1, 0, 0, -1, r.x + r.width, r.y + r.height};
    case 270:
        return VisualBox{r.height, r.width, 0, -1, 1, 0, r.x, r.y + r.height};
    default:
        return VisualBox{r.width, r.height, 1, 0, 0, 1, r.x, r.y};
    }
}

double padding(double width) {
    return std::min(2.0, width * 0.1);
}

bool fits(TextMeasure& measure, const std::string& text, double size, const VisualBox& box,
          std::vector<std::string>& lines) {
    const double inner = box.width - 2 * padding(box.width);
    lines = detail::wrap_words(measure, text, size, inner);
    if (lines.empty()) {
        return false;
    }
    for (const auto& line : lines) {
        if (measure.width(line, size) > inner + 1e-6) {
            return false;
        }
    }
    const double needed = size * (line_factor + 1.32 * static_cast<double>(lines.size() - 1));
    return needed <= box.height + 1e-6;
}

std::optional<Fitted> fit(TextMeasure& measure, const std::string& text, double requested, double min_size,
                          const VisualBox& box) {
    Fitted out;
    if (requested > 0) {
        if (!fits(measure, text, requested, box, out.lines)) {
            return std::nullopt;
        }
        out.size = requested;
        return out;
    }
    // Half-point steps from the largest size the box allows: deterministic, and never below min_size.
    const auto largest =
        static_cast<int>(std::floor(std::min(default_max_size, box.height / line_factor) * 2));
    const auto smallest = static_cast<int>(std::ceil(min_size * 2));
    for (int half_points = largest; half_points >= smallest; --half_points) {
        const double size = half_points / 2.0;
        if (fits(measure, text, size, box, out.lines)) {
            out.size = size;
            return out;
        }
    }
    return std::nullopt;
}

// A signature dictionary anywhere in the file (ISO 32000-1 §12.8.1), a signed or prepared signature
// field, or a DocMDP/UR permissions dictionary means some signer's byte range already covers this file.
bool has_signature(PoDoFo::PdfMemDocument& doc, const Bytes& raw) {
    static constexpr std::string_view marker = "/ByteRange";
    if (std::search(raw.begin(), raw.end(), marker.begin(), marker.end()) != raw.end()) {
        return true;
    }
    for (auto* object : doc.GetObjects()) {
        if (object == nullptr || !object->IsDictionary()) {
            continue;
        }
        const auto& dict = object->GetDictionary();
        if (dict.HasKey("ByteRange") || dict.HasKey("Perms")) {
            return true;
        }
        const auto* type = dict.GetKey("Type");
        if (type != nullptr && type->IsName() &&
            (type->GetName() == PoDoFo::PdfName("Sig") ||
             type->GetName() == PoDoFo::PdfName("DocTimeStamp"))) {
            return true;
        }
        const auto* ft = dict.GetKey("FT");
        if (ft != nullptr && ft->IsName() && ft->GetName() == PoDoFo::PdfName("Sig") && dict.HasKey("V")) {
            return true;
        }
    }
    return false;
}

// ISO 32000-1 §9.6.4: a subset's tag is six upper-case letters, and two subsets in one file must differ.
// Deriving it from the input keeps the output deterministic and different from any earlier stamp's tag.
std::string subset_tag(const Bytes& pdf) {
    const auto digest = crypto::sha256(pdf);
    std::string tag;
    for (std::size_t i = 0; i < 6; ++i) {
        tag += static_cast<char>('A' + digest[i] % 26);
    }
    return tag;
}

PoDoFo::PdfObject* resolve(PoDoFo::PdfVecObjects& objects, PoDoFo::PdfObject* object) {
    int depth = 0;
    while (object != nullptr && object->IsReference() && depth++ < 32) {
        object = objects.GetObject(object->GetReference());
    }
    return object;
}

// The page's content streams, in order, whatever form /Contents takes.
std::vector<PoDoFo::PdfReference> content_refs(PoDoFo::PdfVecObjects& objects, PoDoFo::PdfObject* page) {
    std::vector<PoDoFo::PdfReference> refs;
    auto* contents = page->GetDictionary().GetKey("Contents");
    if (contents == nullptr) {
        return refs;
    }
    if (contents->IsReference()) {
        auto* target = objects.GetObject(contents->GetReference());
        if (target != nullptr && target->IsArray()) {
            contents = target;
        } else {
            refs.push_back(contents->GetReference());
            return refs;
        }
    }
    if (contents->IsArray()) {
        for (const auto& element : contents->GetArray()) {
            if (element.IsReference()) {
                refs.push_back(element.GetReference());
            }
        }
    }
    return refs;
}

// How many `q` the page's content leaves open; each needs its own `Q` before the stamp.
int open_saves(PoDoFo::PdfPage& page) {
    int depth = 0;
    try {
        PoDoFo::PdfContentsTokenizer tokenizer(&page);
        PoDoFo::EPdfContentsType type;
        const char* keyword = nullptr;
        PoDoFo::PdfVariant variant;
        while (tokenizer.ReadNext(type, keyword, variant)) {
            if (type != PoDoFo::ePdfContentsType_Keyword) {
                continue;
            }
            const std::string_view op(keyword);
            if (op == "q") {
                ++depth;
            } else if (op == "Q" && depth > 0) {
                --depth;
            }
        }
    } catch (const PoDoFo::PdfError&) {
        // Content PoDoFo cannot tokenise is left alone; the q/Q wrap still resets a plain `cm`.
        return 0;
    }
    return std::min(depth, 64);
}

PoDoFo::PdfObject* new_stream(PoDoFo::PdfVecObjects& objects, const std::string& content) {
    auto* object = objects.CreateObject();
    object->GetStream()->Set(content.data(), static_cast<PoDoFo::pdf_long>(content.size()));
    return object;
}

// Gives the page its own /Resources (a copy when it was inherited or shared) holding the stamp XObject,
// so no other page's resources change.
std::string add_xobject(PoDoFo::PdfVecObjects& objects, PoDoFo::PdfPage& page,
                        const PoDoFo::PdfReference& xobject) {
    auto& page_dict = page.GetObject()->GetDictionary();
    PoDoFo::PdfDictionary resources;
    auto* current = resolve(objects, page_dict.GetKey("Resources"));
    if (current == nullptr) {
        current = const_cast<PoDoFo::PdfObject*>(page.GetInheritedKey(PoDoFo::PdfName("Resources")));
        current = resolve(objects, current);
    }
    if (current != nullptr && current->IsDictionary()) {
        resources = current->GetDictionary();
    }
    PoDoFo::PdfDictionary xobjects;
    if (auto* existing = resolve(objects, resources.GetKey("XObject"));
        existing != nullptr && existing->IsDictionary()) {
        xobjects = existing->GetDictionary();
    }
    std::string name;
    for (int i = 1;; ++i) {
        name = "KvStamp" + std::to_string(i);
        if (!xobjects.HasKey(PoDoFo::PdfName(name))) {
            break;
        }
    }
    xobjects.AddKey(PoDoFo::PdfName(name), xobject);
    resources.AddKey(PoDoFo::PdfName("XObject"), xobjects);
    page_dict.AddKey(PoDoFo::PdfName("Resources"), resources);
    return name;
}

PoDoFo::PdfString utf8_string(const std::string& text) {
    return PoDoFo::PdfString(reinterpret_cast<const PoDoFo::pdf_utf8*>(text.data()),
                             static_cast<PoDoFo::pdf_long>(text.size()));
}

struct PreparedItem {
    std::size_t index;
    VisualBox box;
    Fitted fitted;
    bool centered;
};

Result<Bytes> stamp_loaded(PoDoFo::PdfMemDocument& doc, const Bytes& pdf, const std::vector<StampItem>& items,
                           const StampOptions& options, const FontSet& fonts) {
    if (has_signature(doc, pdf)) {
        return make_error(Errc::conflict,
                          "the PDF already carries a signature; stamping now would change what "
                          "an earlier signer signed");
    }
    auto& objects = doc.GetObjects();
    FT_Library library = doc.GetFontLibrary(); // outlives the font, which keeps its address
    const auto font = detail::embed_font(objects, &library, fonts.regular, subset_tag(pdf));
    if (!font) {
        return make_error(Errc::internal, "PoDoFo could not load the font");
    }
    TextMeasure measure(*font);

    const int page_count = doc.GetPageCount();
    std::map<int, std::vector<PreparedItem>> by_page;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& item = items[i];
        const auto label = "stamp item " + std::to_string(i + 1);
        if (item.page < 0 || item.page >= page_count) {
            return make_error(Errc::invalid_input, label + " is on page " + std::to_string(item.page + 1) +
                                                       " but the PDF has " + std::to_string(page_count));
        }
        auto* page = doc.GetPage(item.page);
        const auto media = page->GetMediaBox();
        const auto& r = item.rect;
        constexpr double eps = 1e-6;
        if (!(r.width > 0) || !(r.height > 0) || r.x < media.GetLeft() - eps ||
            r.y < media.GetBottom() - eps || r.x + r.width > media.GetLeft() + media.GetWidth() + eps ||
            r.y + r.height > media.GetBottom() + media.GetHeight() + eps) {
            return make_error(Errc::invalid_input, label + " does not lie inside its page");
        }
        const auto text = detail::collapse_whitespace(item.text);
        const auto decoded = detail::decode_utf8(text);
        if (!decoded || decoded->empty()) {
            return make_error(Errc::invalid_input, label + " has no text or text that is not UTF-8");
        }
        if (const auto bad = detail::first_unsupported(measure, *decoded)) {
            return make_error(Errc::invalid_input, label + " contains " + detail::describe_code_point(*bad) +
                                                       ", which the embedded font cannot draw");
        }
        const int rotation = ((page->GetRotation() % 360) + 360) % 360;
        const auto box = visual_box(r, rotation % 90 == 0 ? rotation : 0);
        const auto fitted = fit(measure, text, item.font_size, options.min_font_size, box);
        if (!fitted) {
            return make_error(Errc::invalid_input,
                              label + " does not fit its rect at " +
                                  (item.font_size > 0 ? "the requested size" : "a readable size"));
        }
        by_page[item.page].push_back(PreparedItem{i, box, *fitted, decoded->size() == 1});
    }

    for (auto& [page_index, prepared] : by_page) {
        auto* page = doc.GetPage(page_index);
        const int unclosed = open_saves(*page);
        const auto media = page->GetMediaBox();

        PoDoFo::PdfXObject form(media, &doc);
        PoDoFo::PdfPainter painter;
        painter.SetPage(&form);
        painter.SetFont(font.get());
        for (const auto& p : prepared) {
            const auto& box = p.box;
            const double pad = padding(box.width);
            const double lh = p.fitted.size * 1.32;
            const double block =
                p.fitted.size * line_factor + lh * static_cast<double>(p.fitted.lines.size() - 1);
            // Centre the block vertically; DejaVu's glyphs span 1.17 em (ascent 0.93, descent 0.24).
            double baseline =
                (box.height + block) / 2 - p.fitted.size * (ascent_factor + (line_factor - 1.17) / 2);
            painter.Save();
            painter.SetTransformationMatrix(box.a, box.b, box.c, box.d, box.e, box.f);
            font->SetFontSize(static_cast<float>(p.fitted.size));
            painter.SetFont(font.get());
            for (const auto& line : p.fitted.lines) {
                const double x = p.centered ? (box.width - measure.width(line, p.fitted.size)) / 2 : pad;
                painter.DrawText(x, baseline, utf8_string(line));
                baseline -= lh;
            }
            painter.Restore();
        }
        painter.FinishPage();

        const auto name = add_xobject(objects, *page, form.GetObject()->Reference());
        // ISO 32000-1 §7.8.2: a page's content streams are one stream split at token boundaries, so a `q`
        // in front of the original content and a `Q` after it bracket whatever state it leaves behind.
        auto* open = new_stream(objects, "q\n");
        std::string after(static_cast<std::size_t>(unclosed) * 2, ' ');
        for (int i = 0; i < unclosed; ++i) {
            after[static_cast<std::size_t>(i) * 2] = 'Q';
            after[static_cast<std::size_t>(i) * 2 + 1] = '\n';
        }
        after += "Q\nq /" + name + " Do Q\n";
        auto* close = new_stream(objects, after);
        PoDoFo::PdfArray contents;
        contents.push_back(open->Reference());
        for (const auto& ref : content_refs(objects, page->GetObject())) {
            contents.push_back(ref);
        }
        contents.push_back(close->Reference());
        page->GetObject()->GetDictionary().AddKey(PoDoFo::PdfName("Contents"), contents);
    }
    font->EmbedSubsetFont();

    PoDoFo::PdfRefCountedBuffer buffer;
    PoDoFo::PdfOutputDevice device(&buffer);
    doc.WriteUpdate(&device, true);
    const auto* data = reinterpret_cast<const std::uint8_t*>(buffer.GetBuffer());
    return Bytes(data, data + device.GetLength());
}

void quiet_podofo() {
    static std::once_flag once;
    std::call_once(once, [] {
        PoDoFo::PdfError::EnableDebug(false);
        PoDoFo::PdfError::EnableLogging(false);
    });
}

} // namespace

Result<Bytes> stamp_fields(const Bytes& pdf, const std::vector<StampItem>& items,
                           const StampOptions& options) {
    if (items.empty()) {
        return make_error(Errc::invalid_input, "nothing to stamp");
    }
    std::shared_ptr<const FontSet> fonts = options.fonts;
    if (!fonts) {
        auto loaded = KV_TRY_VALUE(load_fonts(options.font_files));
        fonts = std::make_shared<const FontSet>(std::move(loaded));
    }
    quiet_podofo();
    PoDoFo::PdfMemDocument doc;
    try {
        doc.LoadFromBuffer(reinterpret_cast<const char*>(pdf.data()), static_cast<long>(pdf.size()), true);
    } catch (const PoDoFo::PdfError& e) {
        return make_error(Errc::unprocessable, std::string("cannot load the PDF for stamping: ") +
                                                   PoDoFo::PdfError::ErrorName(e.GetError()));
    }
    try {
        return stamp_loaded(doc, pdf, items, options, *fonts);
    } catch (const PoDoFo::PdfError& e) {
        return make_error(Errc::unprocessable, std::string("PoDoFo failed while stamping: ") +
                                                   PoDoFo::PdfError::ErrorName(e.GetError()));
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("stamping failed: ") + e.what());
    }
}

} // namespace kinvault::pdf
