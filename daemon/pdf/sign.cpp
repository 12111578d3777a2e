#include "pdf/sign.h"

#include "common/file.h"

#include "crypto/cms.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "crypto/sha256.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace kinvault::pdf {

namespace {

namespace pdf = PoDoFo;

// What PoDoFo's PdfSignatureField::SetSignature writes for /ByteRange; we overwrite it in place, so its
// width bounds the numbers (10 digits each: files up to 9.3 GiB).
constexpr std::string_view k_byte_range_placeholder = "[ 0 1234567890 1234567890 1234567890]";
constexpr int k_max_field_name = 128;
constexpr double k_padding = 2.0;

// Annotation flags, ISO 32000-1 §12.5.3 Table 165.
constexpr pdf::pdf_uint32 k_flag_print = 4;
constexpr pdf::pdf_uint32 k_flag_locked = 128;

void quiet_podofo() {
    static std::once_flag once;
    std::call_once(once, [] {
        pdf::PdfError::EnableDebug(false);
        pdf::PdfError::EnableLogging(false);
    });
}

// PDF text string (ISO 32000-1 §7.9.2.2): plain bytes when ASCII (PDFDocEncoding agrees), else UTF-16BE.
pdf::PdfString utf8(const std::string& text) {
    const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
    if (ascii) {
        return pdf::PdfString(text);
    }
    return pdf::PdfString(reinterpret_cast<const pdf::pdf_utf8*>(text.c_str()));
}

// PoDoFo tags every subset it makes "AAAAAA+", so the second signer's subset would share its name with the
// first's. ISO 32000-1 §9.6.4 wants distinct tags for distinct subsets (viewers may cache fonts by name), so
// the tag is derived from the bytes being updated, which differ for every revision.
std::string subset_tag(const Bytes& input) {
    const crypto::Digest digest = crypto::sha256(input);
    std::string tag;
    for (int i = 0; i < 6; ++i) {
        tag.push_back(static_cast<char>('A' + digest[static_cast<std::size_t>(i)] % 26));
    }
    return tag;
}

void retag_subset(pdf::PdfMemDocument& doc, pdf::PdfFont& font, const Bytes& input) {
    const std::string tag = subset_tag(input);
    const auto retag = [&](pdf::PdfObject* obj, const char* key) {
        if (obj == nullptr || !obj->IsDictionary()) {
            return;
        }
        const pdf::PdfObject* name = obj->GetDictionary().GetKey(key);
        if (name == nullptr || !name->IsName()) {
            return;
        }
        std::string value = name->GetName().GetName();
        if (value.size() > 7 && value[6] == '+') {
            value.replace(0, 6, tag);
            obj->GetDictionary().AddKey(key, pdf::PdfName(value));
        }
    };
    pdf::PdfObject* type0 = font.GetObject();
    retag(type0, "BaseFont");
    pdf::PdfObject* descendants = type0->GetIndirectKey("DescendantFonts");
    if (descendants != nullptr && descendants->IsArray()) {
        for (const auto& item : descendants->GetArray()) {
            pdf::PdfObject* cid =
                item.IsReference() ? doc.GetObjects().GetObject(item.GetReference()) : nullptr;
            retag(cid, "BaseFont");
            if (cid != nullptr) {
                retag(cid->GetIndirectKey("FontDescriptor"), "FontName");
            }
        }
    }
}

bool is_zero_rect(const Rect& r) {
    return r.width <= 0.0 || r.height <= 0.0;
}

bool is_valid_rect(const Rect& r) {
    return std::isfinite(r.x) && std::isfinite(r.y) && std::isfinite(r.width) && std::isfinite(r.height) &&
           r.width >= 0.0 && r.height >= 0.0;
}

pdf::PdfRect to_pdf_rect(const Rect& r) {
    return is_zero_rect(r) ? pdf::PdfRect(0, 0, 0, 0) : pdf::PdfRect(r.x, r.y, r.width, r.height);
}

// ISO 32000-1 §7.9.4 date in UTC: D:YYYYMMDDHHmmSSZ.
std::string pdf_date(UnixTime t) {
    std::string digits;
    for (const char c : format_utc(t)) {
        if (c >= '0' && c <= '9') {
            digits.push_back(c);
        }
    }
    return "D:" + digits + "Z";
}

std::string display_time(UnixTime t) {
    std::string s = format_utc(t); // 2026-11-23T16:54:28Z
    std::replace(s.begin(), s.end(), 'T', ' ');
    if (!s.empty() && s.back() == 'Z') {
        s.pop_back();
        s += " UTC";
    }
    return s;
}

Status validate_field_name(const std::string& name) {
    if (name.empty() || name.size() > k_max_field_name) {
        return make_error(Errc::invalid_input, "field name must have 1 to 128 characters");
    }
    // A period separates the parts of a fully qualified field name (ISO 32000-1 §12.7.3.2).
    if (name.find('.') != std::string::npos) {
        return make_error(Errc::invalid_input, "field name must not contain '.': " + name);
    }
    return {};
}

std::vector<std::string> existing_field_names(pdf::PdfMemDocument& doc, pdf::PdfAcroForm& form) {
    std::vector<std::string> names;
    pdf::PdfObject* fields = form.GetObject()->GetIndirectKey("Fields");
    if (fields == nullptr || !fields->IsArray()) {
        return names;
    }
    for (const auto& item : fields->GetArray()) {
        const pdf::PdfObject* field =
            item.IsReference() ? doc.GetObjects().GetObject(item.GetReference()) : &item;
        if (field == nullptr || !field->IsDictionary()) {
            continue;
        }
        const pdf::PdfObject* title = field->GetDictionary().GetKey("T");
        if (title != nullptr && title->IsString()) {
            names.push_back(title->GetString().GetStringUtf8());
        }
    }
    return names;
}

// Draws lines of text into an appearance XObject, scaled down so every line fits the box.
class Appearance {
public:
    Appearance(pdf::PdfMemDocument& doc, pdf::PdfFont* font, const Rect& rect)
        : m_xobject(pdf::PdfRect(0, 0, rect.width, rect.height), &doc), m_font(font), m_width(rect.width),
          m_height(rect.height) {
        m_painter.SetPage(&m_xobject);
    }

    void border() {
        m_painter.SetStrokingColor(0.2, 0.2, 0.45);
        m_painter.SetStrokeWidth(0.75);
        m_painter.Rectangle(0.5, 0.5, std::max(0.0, m_width - 1.0), std::max(0.0, m_height - 1.0));
        m_painter.Stroke();
    }

    void cross() {
        m_painter.SetStrokingColor(0.0, 0.0, 0.0);
        m_painter.SetStrokeWidth(std::max(0.75, std::min(m_width, m_height) / 10.0));
        const double inset = std::min(m_width, m_height) * 0.2;
        m_painter.DrawLine(inset, inset, m_width - inset, m_height - inset);
        m_painter.DrawLine(inset, m_height - inset, m_width - inset, inset);
    }

    void lines(const std::vector<std::string>& texts, double max_size) {
        if (texts.empty() || m_width <= 2 * k_padding || m_height <= 2 * k_padding) {
            return;
        }
        std::vector<pdf::PdfString> strings;
        for (const auto& t : texts) {
            strings.push_back(utf8(t));
        }
        // Size from the height, then shrink until the widest line fits.
        const double line_factor = 1.2;
        double size = std::min(max_size, (m_height - 2 * k_padding) /
                                             (line_factor * static_cast<double>(texts.size())));
        m_font->SetFontSize(static_cast<float>(size));
        double widest = 0.0;
        for (const auto& s : strings) {
            widest = std::max(widest, m_font->GetFontMetrics()->StringWidth(s));
        }
        if (widest > m_width - 2 * k_padding && widest > 0.0) {
            size *= (m_width - 2 * k_padding) / widest;
            m_font->SetFontSize(static_cast<float>(size));
        }
        m_painter.SetColor(0.0, 0.0, 0.0);
        m_painter.SetFont(m_font);
        const double block = size * line_factor * static_cast<double>(texts.size());
        double y = (m_height + block) / 2.0 - size; // baseline of the first line, block centred vertically
        for (const auto& s : strings) {
            m_painter.DrawText(k_padding, y + size * 0.2, s);
            y -= size * line_factor;
        }
    }

    pdf::PdfXObject* finish() {
        m_painter.FinishPage();
        return &m_xobject;
    }

private:
    pdf::PdfXObject m_xobject;
    pdf::PdfPainter m_painter;
    pdf::PdfFont* m_font;
    double m_width;
    double m_height;
};

// A certification signature with DocMDP permissions P=1 forbids any change, signatures included
// (ISO 32000-1 §12.8.2.2, Table 254); adding one would void the certification.
Status check_modifications_allowed(pdf::PdfMemDocument& doc) {
    pdf::PdfObject* catalog = doc.GetCatalog();
    pdf::PdfObject* perms = catalog != nullptr ? catalog->GetIndirectKey("Perms") : nullptr;
    pdf::PdfObject* docmdp =
        perms != nullptr && perms->IsDictionary() ? perms->GetIndirectKey("DocMDP") : nullptr;
    pdf::PdfObject* refs =
        docmdp != nullptr && docmdp->IsDictionary() ? docmdp->GetIndirectKey("Reference") : nullptr;
    if (refs == nullptr || !refs->IsArray()) {
        return {};
    }
    for (const auto& item : refs->GetArray()) {
        const pdf::PdfObject* ref =
            item.IsReference() ? doc.GetObjects().GetObject(item.GetReference()) : &item;
        if (ref == nullptr || !ref->IsDictionary()) {
            continue;
        }
        const pdf::PdfObject* params = ref->GetDictionary().GetKey("TransformParams");
        if (params != nullptr && params->IsReference()) {
            params = doc.GetObjects().GetObject(params->GetReference());
        }
        const pdf::PdfObject* p =
            params != nullptr && params->IsDictionary() ? params->GetDictionary().GetKey("P") : nullptr;
        if (p != nullptr && p->IsNumber() && p->GetNumber() == 1) {
            return make_error(Errc::conflict,
                              "the document is certified with no changes allowed (DocMDP P=1)");
        }
    }
    return {};
}

pdf::PdfPage* page_at(pdf::PdfMemDocument& doc, int index) {
    if (index < 0 || index >= doc.GetPageCount()) {
        return nullptr;
    }
    return doc.GetPage(index);
}

void add_value_field(pdf::PdfMemDocument& doc, pdf::PdfAcroForm& form, pdf::PdfFont* font, pdf::PdfPage& page,
                     const FieldValue& value) {
    const Rect& r = value.placement.rect;
    pdf::PdfAnnotation* widget = page.CreateAnnotation(pdf::ePdfAnnotation_Widget, to_pdf_rect(r));
    widget->SetFlags(k_flag_print);

    if (value.placement.kind == FieldKind::checkbox) {
        pdf::PdfCheckBox box(widget, &form);
        box.SetFieldName(utf8(value.placement.name));
        Appearance on(doc, font, r);
        on.border();
        on.cross();
        box.SetAppearanceChecked(*on.finish());
        Appearance off(doc, font, r);
        off.border();
        box.SetAppearanceUnchecked(*off.finish());
        box.SetChecked(value.checked);
        box.SetReadOnly(true);
        return;
    }

    pdf::PdfTextField field(widget, &form);
    field.SetFieldName(utf8(value.placement.name));
    field.SetText(utf8(value.text));
    field.SetReadOnly(true);
    // Variable-text fields need /DA (ISO 32000-1 §12.7.3.3); /Helv is declared in the form's /DR below.
    field.GetFieldObject()->GetDictionary().AddKey("DA", pdf::PdfString("/Helv 0 Tf 0 g"));
    if (!is_zero_rect(r)) {
        Appearance ap(doc, font, r);
        ap.lines({value.text}, value.placement.kind == FieldKind::initials ? 18.0 : 11.0);
        widget->SetAppearanceStream(ap.finish());
    }
}

// /DR /Font /Helv for the /DA of text fields, added once (viewers only use it if they rebuild appearances).
void ensure_default_resources(pdf::PdfMemDocument& doc, pdf::PdfAcroForm& form) {
    pdf::PdfDictionary& form_dict = form.GetObject()->GetDictionary();
    pdf::PdfObject* dr = form.GetObject()->GetIndirectKey("DR");
    if (dr == nullptr) {
        form_dict.AddKey("DR", pdf::PdfDictionary());
        dr = form_dict.GetKey("DR");
    }
    if (!dr->IsDictionary()) {
        return;
    }
    pdf::PdfObject* fonts = dr->GetIndirectKey("Font");
    if (fonts == nullptr) {
        dr->GetDictionary().AddKey("Font", pdf::PdfDictionary());
        fonts = dr->GetDictionary().GetKey("Font");
    }
    if (!fonts->IsDictionary() || fonts->GetDictionary().HasKey("Helv")) {
        return;
    }
    pdf::PdfObject* helv = doc.GetObjects().CreateObject("Font");
    helv->GetDictionary().AddKey("Subtype", pdf::PdfName("Type1"));
    helv->GetDictionary().AddKey("BaseFont", pdf::PdfName("Helvetica"));
    helv->GetDictionary().AddKey("Encoding", pdf::PdfName("WinAnsiEncoding"));
    fonts->GetDictionary().AddKey("Helv", helv->Reference());
}

std::size_t find_in(const Bytes& data, std::string_view needle, std::size_t from) {
    if (from > data.size()) {
        return std::string_view::npos;
    }
    const auto it = std::search(data.begin() + static_cast<std::ptrdiff_t>(from), data.end(), needle.begin(),
                                needle.end());
    return it == data.end() ? std::string_view::npos : static_cast<std::size_t>(it - data.begin());
}

// Finds the placeholders PoDoFo wrote in the appended update and turns them into a real byte range.
Result<PreparedPdf> finalise(Bytes out, std::size_t original_size, std::size_t contents_size) {
    const std::size_t br = find_in(out, k_byte_range_placeholder, original_size);
    if (br == std::string_view::npos ||
        find_in(out, k_byte_range_placeholder, br + 1) != std::string_view::npos) {
        return make_error(Errc::internal, "byte range placeholder not found exactly once in the update");
    }
    const std::string hole = "<" + std::string(2 * contents_size, '0') + ">";
    const std::size_t lt = find_in(out, hole, br);
    if (lt == std::string_view::npos) {
        return make_error(Errc::internal, "contents placeholder not found in the update");
    }
    const std::size_t gt = lt + hole.size() - 1;
    PreparedPdf prepared;
    prepared.byte_range = ByteRange{0, lt, gt + 1, out.size() - (gt + 1)};
    prepared.contents_offset = lt + 1;
    prepared.contents_length = 2 * contents_size;

    std::string text = "[0 " + std::to_string(prepared.byte_range.length1) + " " +
                       std::to_string(prepared.byte_range.start2) + " " +
                       std::to_string(prepared.byte_range.length2) + "]";
    if (text.size() > k_byte_range_placeholder.size()) {
        return make_error(Errc::payload_too_large, "document too large for the byte range field");
    }
    text.insert(text.size() - 1, k_byte_range_placeholder.size() - text.size(), ' ');
    std::copy(text.begin(), text.end(), out.begin() + static_cast<std::ptrdiff_t>(br));
    prepared.pdf = std::move(out);
    KV_TRY(check_prepared(prepared));
    return prepared;
}

Result<PreparedPdf> prepare_with_podofo(const Bytes& input, const SignatureRequest& request) {
    pdf::PdfMemDocument doc;
    doc.LoadFromBuffer(reinterpret_cast<const char*>(input.data()), static_cast<long>(input.size()), true);
    if (doc.GetEncrypted()) {
        return make_error(Errc::unprocessable, "encrypted PDFs cannot be signed");
    }
    KV_TRY(check_modifications_allowed(doc));
    pdf::PdfPage* page = page_at(doc, request.page);
    if (page == nullptr) {
        return make_error(Errc::invalid_input, "signature page " + std::to_string(request.page) +
                                                   " is outside the document (" +
                                                   std::to_string(doc.GetPageCount()) + " pages)");
    }
    pdf::PdfAcroForm* form = doc.GetAcroForm(true, pdf::ePdfAcroFormDefaultAppearance_None);
    if (form == nullptr) {
        return make_error(Errc::unprocessable, "cannot create the document's form");
    }

    std::vector<std::string> taken = existing_field_names(doc, *form);
    std::string field_name = request.field_name;
    if (field_name.empty()) {
        for (int n = 1; field_name.empty(); ++n) {
            const std::string candidate = "Signature" + std::to_string(n);
            if (std::find(taken.begin(), taken.end(), candidate) == taken.end()) {
                field_name = candidate;
            }
        }
    }
    KV_TRY(validate_field_name(field_name));
    if (std::find(taken.begin(), taken.end(), field_name) != taken.end()) {
        return make_error(Errc::conflict, "the document already has a field named " + field_name);
    }
    taken.push_back(field_name);
    for (const auto& value : request.fields) {
        KV_TRY(validate_field_name(value.placement.name));
        if (std::find(taken.begin(), taken.end(), value.placement.name) != taken.end()) {
            return make_error(Errc::conflict,
                              "the document already has a field named " + value.placement.name);
        }
        if (value.placement.kind == FieldKind::signature) {
            return make_error(Errc::invalid_input,
                              "field " + value.placement.name + " is a signature, not a value");
        }
        if (!is_valid_rect(value.placement.rect) || page_at(doc, value.placement.page) == nullptr) {
            return make_error(Errc::invalid_input,
                              "field " + value.placement.name + " has no valid position");
        }
        taken.push_back(value.placement.name);
    }

    // One subset of the embedded TrueType font serves every appearance of this update; names outside
    // WinAnsi ("Nguyễn Thị Ánh") need it, and the subset keeps each update small.
    const bool visible = !is_zero_rect(request.rect);
    pdf::PdfFont* font = nullptr;
    FT_Library library = doc.GetFontLibrary(); // outlives the font, which keeps its address
    detail::FontPtr font_from_bytes;
    if ((visible || !request.fields.empty()) && request.fonts) {
        font_from_bytes =
            detail::embed_font(doc.GetObjects(), &library, request.fonts->regular, subset_tag(input));
        font = font_from_bytes.get();
        if (font == nullptr) {
            return make_error(Errc::internal, "cannot load the appearance font");
        }
    } else if (visible || !request.fields.empty()) {
        font = doc.CreateFontSubset("DejaVuSans", false, false, false,
                                    pdf::PdfEncodingFactory::GlobalIdentityEncodingInstance(),
                                    request.font_path.c_str());
        if (font == nullptr) {
            return make_error(Errc::internal, "cannot load the appearance font " + request.font_path);
        }
    }

    pdf::PdfDictionary& form_dict = form->GetObject()->GetDictionary();
    // SignaturesExist | AppendOnly (ISO 32000-1 §12.7.2, Table 219): viewers must save incrementally.
    form_dict.AddKey("SigFlags", pdf::PdfObject(static_cast<pdf::pdf_int64>(3)));
    if (!request.fields.empty()) {
        ensure_default_resources(doc, *form);
    }
    for (const auto& value : request.fields) {
        add_value_field(doc, *form, font, *page_at(doc, value.placement.page), value);
    }

    pdf::PdfAnnotation* widget =
        page->CreateAnnotation(pdf::ePdfAnnotation_Widget, to_pdf_rect(request.rect));
    widget->SetFlags(k_flag_print | k_flag_locked);
    pdf::PdfSignatureField field(widget, form, &doc, true);
    field.SetFieldName(utf8(field_name));
    if (visible) {
        Appearance ap(doc, font, request.rect);
        ap.border();
        std::vector<std::string> lines{"Digitally signed by " + request.signer_name};
        if (!request.capacity.empty()) {
            lines.push_back("Capacity: " + request.capacity);
        }
        lines.push_back("Date: " + display_time(request.signing_time));
        if (!request.signature_id.empty()) {
            lines.push_back("Signature ID: " + request.signature_id);
        }
        ap.lines(lines, 10.0);
        field.SetAppearanceStream(ap.finish());
    }

    pdf::PdfObject* sig = field.GetSignatureObject();
    if (sig == nullptr) {
        return make_error(Errc::internal, "PoDoFo created no signature dictionary");
    }
    pdf::PdfDictionary& sig_dict = sig->GetDictionary();
    // PAdES (ETSI EN 319 142-1 §5.3): CAdES-detached CMS, claimed signing time in /M.
    sig_dict.AddKey("Filter", pdf::PdfName("Adobe.PPKLite"));
    sig_dict.AddKey("SubFilter", pdf::PdfName("ETSI.CAdES.detached"));
    sig_dict.AddKey("M", pdf::PdfString(pdf_date(request.signing_time)));
    if (!request.signer_name.empty()) {
        sig_dict.AddKey("Name", utf8(request.signer_name));
    }
    if (!request.reason.empty()) {
        sig_dict.AddKey("Reason", utf8(request.reason));
    }
    if (!request.location.empty()) {
        sig_dict.AddKey("Location", utf8(request.location));
    }
    field.SetSignature(pdf::PdfData(std::string(2 * request.contents_size, '0').c_str()));

    if (font_from_bytes) {
        font_from_bytes->EmbedSubsetFont();
    } else if (font != nullptr) {
        doc.EmbedSubsetFonts();
        retag_subset(doc, *font, input);
    }

    pdf::PdfRefCountedBuffer buffer;
    pdf::PdfOutputDevice device(&buffer);
    doc.WriteUpdate(&device, true);
    const auto* begin = reinterpret_cast<const std::uint8_t*>(buffer.GetBuffer());
    Bytes out(begin, begin + device.GetLength());

    // Everything before the update must be the input, byte for byte, or earlier signatures would break.
    if (out.size() <= input.size() || !std::equal(input.begin(), input.end(), out.begin())) {
        return make_error(Errc::internal, "the update does not preserve the original bytes");
    }
    auto prepared = finalise(std::move(out), input.size(), request.contents_size);
    if (prepared) {
        prepared->field_name = field_name;
    }
    return prepared;
}

Status write_file_atomically(const std::string& path, const Bytes& data) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            return make_error(Errc::unavailable, "cannot create " + tmp);
        }
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            return make_error(Errc::unavailable, "cannot write " + tmp);
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return make_error(Errc::unavailable, "cannot rename " + tmp + " to " + path);
    }
    return {};
}

} // namespace

Result<PreparedPdf> prepare_signature(const Bytes& pdf, const SignatureRequest& request) {
    quiet_podofo();
    if (pdf.size() < 8 || !std::equal(pdf.begin(), pdf.begin() + 5, "%PDF-")) {
        return make_error(Errc::unsupported_media, "not a PDF");
    }
    if (request.contents_size < 1024 || request.contents_size > k_max_contents_bytes) {
        return make_error(Errc::invalid_input, "signature size must be between 1 KiB and 1 MiB");
    }
    if (!is_valid_rect(request.rect)) {
        return make_error(Errc::invalid_input, "signature rectangle is invalid");
    }
    // PoDoFo appends the update right after the last byte; a file that does not end in an end-of-line
    // would glue the first new object to "%%EOF".
    Bytes input = pdf;
    if (input.back() != '\n' && input.back() != '\r') {
        input.push_back('\n');
    }
    try {
        return prepare_with_podofo(input, request);
    } catch (const pdf::PdfError& e) {
        const char* name = pdf::PdfError::ErrorName(e.GetError());
        return make_error(Errc::unprocessable,
                          std::string("PDF cannot be updated: ") + (name ? name : "error"));
    } catch (const std::exception& e) {
        return make_error(Errc::unprocessable, std::string("PDF cannot be updated: ") + e.what());
    }
}

Result<SignedPdf> sign_with_key(const Bytes& pdf, SignatureRequest request,
                                const crypto::Secret& private_key_pem, const std::string& certificate_pem,
                                const std::vector<std::string>& chain_pem) {
    auto cert = KV_TRY_VALUE(crypto::describe_certificate(certificate_pem));
    if (request.signer_name.empty()) {
        request.signer_name = cert.common_name;
    }
    // Check key and certificate before the PDF work, so a wrong key fails fast and clearly.
    KV_TRY(crypto::cms_check_signer(private_key_pem, certificate_pem));
    auto prepared = KV_TRY_VALUE(prepare_signature(pdf, request));
    auto digest = KV_TRY_VALUE(byte_range_digest(prepared));
    auto cms = KV_TRY_VALUE(crypto::cms_sign(digest, private_key_pem, certificate_pem, chain_pem));
    auto injected = KV_TRY_VALUE(inject_signature(prepared, cms));
    return SignedPdf{std::move(injected), prepared.field_name, prepared.byte_range};
}

Result<SignLocalResult> sign_local(const SignLocalOptions& options) {
    if (options.input_path.empty() || options.output_path.empty()) {
        return make_error(Errc::invalid_input, "input and output paths are required");
    }
    std::error_code ec;
    if (options.input_path == options.output_path ||
        std::filesystem::equivalent(options.input_path, options.output_path, ec)) {
        return make_error(Errc::invalid_input, "the output must not overwrite the input");
    }
    constexpr std::size_t k_max_pem = 1024 * 1024;
    constexpr std::size_t k_max_pdf = 2ULL * 1024 * 1024 * 1024;
    // Straight into locked memory, so no copy of the key is left behind in the heap.
    auto key = KV_TRY_VALUE(read_file_into<crypto::Secret>(options.key_path, k_max_pem));
    auto cert_bytes = KV_TRY_VALUE(read_file(options.certificate_path, k_max_pem));
    std::vector<std::string> chain;
    if (options.chain_path) {
        auto chain_bytes = KV_TRY_VALUE(read_file(*options.chain_path, k_max_pem));
        auto split = KV_TRY_VALUE(crypto::split_certificate_bundle(to_string(chain_bytes)));
        chain = std::move(split);
    }
    auto input = KV_TRY_VALUE(read_file(options.input_path, k_max_pdf));
    const std::string certificate = to_string(cert_bytes);
    auto info = KV_TRY_VALUE(crypto::describe_certificate(certificate));

    SignatureRequest request;
    request.signer_name = info.common_name;
    request.capacity = options.capacity;
    request.reason = options.reason;
    request.location = options.location;
    request.signing_time = options.signing_time;
    request.signature_id = crypto::random_id("sig");
    request.contents_size = options.contents_size;
    request.page = options.page;
    if (options.rect) {
        request.rect = *options.rect;
    }
    auto signed_pdf = KV_TRY_VALUE(sign_with_key(input, request, key, certificate, chain));
    KV_TRY(write_file_atomically(options.output_path, signed_pdf.pdf));

    SignLocalResult result;
    result.field_name = signed_pdf.field_name;
    result.byte_range = signed_pdf.byte_range;
    result.signer_name = request.signer_name;
    result.signature_id = request.signature_id;
    result.output_size = signed_pdf.pdf.size();
    return result;
}

} // namespace kinvault::pdf
