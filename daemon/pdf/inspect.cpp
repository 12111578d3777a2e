#include "pdf/inspect.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

namespace kinvault::pdf {
namespace {

// PDF 32000-1:2008 section 7.5.2: readers accept the header anywhere in the first 1024 bytes.
constexpr std::size_t header_window = 1024;
constexpr std::string_view header_magic = "%PDF-";
// Decoded object streams beyond this are not scanned but refused: PDF 32000 7.5.7 object streams hold small
// objects only, so a huge one is a decompression bomb rather than a document.
constexpr std::size_t max_object_stream_bytes = std::size_t{32} << 20;

using Span = std::span<const std::uint8_t>;

// PDF 32000 7.2.2: white-space and delimiter characters; everything else is "regular".
constexpr bool is_white(std::uint8_t c) noexcept {
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}
constexpr bool is_delimiter(std::uint8_t c) noexcept {
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '/' || c == '%';
}
constexpr bool is_regular(std::uint8_t c) noexcept {
    return !is_white(c) && !is_delimiter(c);
}

std::string_view as_text(Span bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::optional<std::size_t> find_header(Span pdf) {
    const std::string_view window = as_text(pdf.first(std::min(pdf.size(), header_window)));
    const std::size_t at = window.find(header_magic);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    return at;
}

// Object streams are only inflated when their dictionary names /FlateDecode as the sole filter and has no
// predictor, the common case produced by every mainstream writer; anything fancier still goes through the
// sandbox limits.
class FlateSink final : public PoDoFo::PdfOutputStream {
public:
    explicit FlateSink(std::size_t cap) : m_cap(cap) {}
    PoDoFo::pdf_long Write(const char* buffer, PoDoFo::pdf_long length) override {
        const auto size = static_cast<std::size_t>(length);
        if (m_out.size() + size > m_cap) {
            throw std::length_error("object stream too large");
        }
        m_out.insert(m_out.end(), buffer, buffer + size);
        return length;
    }
    void Close() override {}
    std::vector<std::uint8_t>& bytes() { return m_out; }

private:
    std::size_t m_cap;
    std::vector<std::uint8_t> m_out;
};

// A linear, non-recursive tokenizer that only tracks what costs PoDoFo dearly: how deeply dictionaries and
// arrays nest, and how many objects the file claims to have.
class Scanner {
public:
    Scanner(Span data, const IntakeLimits& limits, std::int64_t& objects, bool top_level)
        : m_data(data), m_limits(limits), m_objects(objects), m_top_level(top_level) {}

    std::optional<IntakeRefusal> run() {
        while (m_pos < m_data.size()) {
            const std::uint8_t c = m_data[m_pos];
            if (c == '%') {
                skip_comment();
            } else if (c == '(') {
                skip_literal_string();
            } else if (c == '<' && peek(1) == '<') {
                if (m_depth == 0) {
                    m_dict_start = m_pos;
                }
                m_pos += 2;
                if (auto refusal = open()) {
                    return refusal;
                }
            } else if (c == '<') {
                skip_hex_string();
            } else if (c == '>' && peek(1) == '>') {
                m_pos += 2;
                close();
                if (m_depth == 0) {
                    m_dict_end = m_pos;
                }
            } else if (c == '[') {
                ++m_pos;
                if (auto refusal = open()) {
                    return refusal;
                }
            } else if (c == ']') {
                ++m_pos;
                close();
            } else if (c == '/') {
                ++m_pos;
                if (auto refusal = on_name(read_regular())) {
                    return refusal;
                }
            } else if (is_regular(c)) {
                if (auto refusal = on_keyword(read_regular())) {
                    return refusal;
                }
            } else {
                ++m_pos; // white-space, or a stray '>', ')', '{', '}'
            }
        }
        return std::nullopt;
    }

private:
    [[nodiscard]] std::uint8_t peek(std::size_t ahead) const noexcept {
        return m_pos + ahead < m_data.size() ? m_data[m_pos + ahead] : 0;
    }

    std::optional<IntakeRefusal> open() {
        ++m_depth;
        if (m_depth > m_limits.max_depth) {
            return IntakeRefusal::too_deep;
        }
        return std::nullopt;
    }
    void close() noexcept {
        if (m_depth > 0) {
            --m_depth;
        }
    }

    std::optional<IntakeRefusal> count_objects(std::int64_t count) {
        if (count < 0 || count > m_limits.max_objects - m_objects) {
            return IntakeRefusal::too_deep;
        }
        m_objects += count;
        return std::nullopt;
    }
    std::optional<IntakeRefusal> check_claim(std::int64_t claimed) const {
        if (claimed > m_limits.max_objects) {
            return IntakeRefusal::too_deep;
        }
        return std::nullopt;
    }

    void skip_comment() noexcept {
        while (m_pos < m_data.size() && m_data[m_pos] != '\n' && m_data[m_pos] != '\r') {
            ++m_pos;
        }
    }
    void skip_literal_string() noexcept {
        // PDF 32000 7.3.4.2: balanced parentheses nest, a backslash escapes the next byte.
        std::size_t level = 0;
        while (m_pos < m_data.size()) {
            const std::uint8_t c = m_data[m_pos];
            if (c == '\\') {
                m_pos += 2;
                continue;
            }
            ++m_pos;
            if (c == '(') {
                ++level;
            } else if (c == ')' && --level == 0) {
                return;
            }
        }
    }
    void skip_hex_string() noexcept {
        while (m_pos < m_data.size() && m_data[m_pos] != '>') {
            ++m_pos;
        }
        ++m_pos;
    }
    std::string_view read_regular() noexcept {
        const std::size_t start = m_pos;
        while (m_pos < m_data.size() && is_regular(m_data[m_pos])) {
            ++m_pos;
        }
        return as_text(m_data.subspan(start, m_pos - start));
    }
    void skip_white() noexcept {
        while (m_pos < m_data.size() && is_white(m_data[m_pos])) {
            ++m_pos;
        }
    }
    // An unsigned integer token; saturates instead of overflowing so absurd claims stay absurd.
    std::optional<std::int64_t> read_count() {
        skip_white();
        const std::string_view token = read_regular();
        if (token.empty() ||
            !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
        if (error == std::errc::result_out_of_range) {
            return std::numeric_limits<std::int64_t>::max();
        }
        return value;
    }

    std::optional<IntakeRefusal> on_name(std::string_view name) {
        // Trailer and xref-stream /Size (PDF 32000 7.5.5, 7.5.8.2) sizes PoDoFo's offset table up front.
        if (name == "Size") {
            const std::size_t saved = m_pos;
            if (const auto size = read_count()) {
                return check_claim(*size);
            }
            m_pos = saved;
        }
        return std::nullopt;
    }

    std::optional<IntakeRefusal> on_keyword(std::string_view keyword) {
        if (keyword == "obj") {
            return count_objects(1);
        }
        if (keyword == "xref" && m_top_level) {
            return scan_xref_table();
        }
        if (keyword == "stream" && m_top_level) {
            return scan_stream();
        }
        return std::nullopt;
    }

    // PDF 32000 7.5.4: subsections of "first count" followed by count 20-byte entries.
    std::optional<IntakeRefusal> scan_xref_table() {
        while (true) {
            const std::size_t saved = m_pos;
            const auto first = read_count();
            const auto count = read_count();
            if (!first || !count) {
                m_pos = saved;
                return std::nullopt;
            }
            if (auto refusal = check_claim(*count)) {
                return refusal;
            }
            for (std::int64_t i = 0; i < *count; ++i) {
                if (!read_count() || !read_count()) {
                    return std::nullopt;
                }
                skip_white();
                read_regular(); // 'f' or 'n'
            }
        }
    }

    // Stream bytes are binary and may contain anything, so they are skipped to "endstream" rather than lexed;
    // a /Length would tell where they end but a hostile file lies about it.
    std::optional<IntakeRefusal> scan_stream() {
        const std::string_view rest = as_text(m_data.subspan(m_pos));
        const std::size_t end = rest.find("endstream");
        const std::size_t stream_end = end == std::string_view::npos ? m_data.size() : m_pos + end;
        std::size_t body = m_pos;
        if (body < m_data.size() && m_data[body] == '\r') {
            ++body;
        }
        if (body < m_data.size() && m_data[body] == '\n') {
            ++body;
        }
        std::optional<IntakeRefusal> refusal;
        if (m_dict_end > m_dict_start && m_dict_end <= body && body <= stream_end) {
            refusal = scan_object_stream(as_text(m_data.subspan(m_dict_start, m_dict_end - m_dict_start)),
                                         m_data.subspan(body, stream_end - body));
        }
        m_pos = end == std::string_view::npos ? m_data.size() : stream_end + std::strlen("endstream");
        return refusal;
    }

    std::optional<IntakeRefusal> scan_object_stream(std::string_view dictionary, Span body) {
        if (dictionary.find("/ObjStm") == std::string_view::npos) {
            return std::nullopt;
        }
        // PDF 32000 7.5.7: /N is the number of objects stored in the stream.
        if (const std::size_t n = dictionary.find("/N"); n != std::string_view::npos) {
            Scanner count_reader(dictionary.substr(n + 2), m_limits, m_objects, false);
            if (const auto count = count_reader.read_count()) {
                if (auto refusal = count_objects(*count)) {
                    return refusal;
                }
            }
        }
        const bool plain_flate = dictionary.find("/FlateDecode") != std::string_view::npos &&
                                 dictionary.find("/DecodeParms") == std::string_view::npos &&
                                 dictionary.find('[', dictionary.find("/Filter")) == std::string_view::npos;
        if (!plain_flate) {
            return std::nullopt;
        }
        FlateSink sink(max_object_stream_bytes);
        try {
            const std::unique_ptr<PoDoFo::PdfFilter> filter(
                PoDoFo::PdfFilterFactory::Create(PoDoFo::ePdfFilter_FlateDecode));
            filter->BeginDecode(&sink);
            filter->DecodeBlock(reinterpret_cast<const char*>(body.data()),
                                static_cast<PoDoFo::pdf_long>(body.size()));
            filter->EndDecode();
        } catch (const std::length_error&) {
            return IntakeRefusal::too_big_to_parse;
        } catch (const PoDoFo::PdfError&) {
            // A broken deflate stream is PoDoFo's call to make; it usually tolerates a damaged tail.
        }
        std::int64_t ignored = 0;
        Scanner inner(sink.bytes(), m_limits, ignored, false);
        return inner.run();
    }

    Scanner(std::string_view text, const IntakeLimits& limits, std::int64_t& objects, bool top_level)
        : Scanner(Span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), limits, objects,
                  top_level) {}

    Span m_data;
    const IntakeLimits& m_limits;
    std::int64_t& m_objects;
    bool m_top_level;
    std::size_t m_pos{0};
    int m_depth{0};
    std::size_t m_dict_start{0};
    std::size_t m_dict_end{0};
};

std::string header_version(Span pdf, std::size_t header_at) {
    const std::size_t at = header_at + header_magic.size();
    if (at + 3 <= pdf.size() && pdf[at] >= '1' && pdf[at] <= '9' && pdf[at + 1] == '.' &&
        pdf[at + 2] >= '0' && pdf[at + 2] <= '9') {
        return std::string(as_text(pdf.subspan(at, 3)));
    }
    return {};
}

// Versions compare as "major.minor" with single digits, so a string comparison is exact.
std::string effective_version(const std::string& header, const PoDoFo::PdfObject* catalog) {
    if (catalog == nullptr || !catalog->IsDictionary()) {
        return header;
    }
    const PoDoFo::PdfObject* version = catalog->GetDictionary().GetKey(PoDoFo::PdfName("Version"));
    if (version == nullptr || !version->IsName()) {
        return header;
    }
    const std::string& name = version->GetName().GetName();
    const bool well_formed = name.size() == 3 && name[0] >= '1' && name[0] <= '9' && name[1] == '.' &&
                             name[2] >= '0' && name[2] <= '9';
    return well_formed && name > header ? name : header;
}

struct Failure {
    IntakeRefusal refusal;
    std::string detail;
};

[[noreturn]] void fail(IntakeRefusal refusal, std::string detail) {
    throw Failure{refusal, std::move(detail)};
}

const PoDoFo::PdfObject* resolve(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* object) {
    if (object != nullptr && object->IsReference()) {
        return objects.GetObject(object->GetReference());
    }
    return object;
}

const PoDoFo::PdfObject* key_of(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* dictionary,
                                const char* key) {
    if (dictionary == nullptr || !dictionary->IsDictionary()) {
        return nullptr;
    }
    return resolve(objects, dictionary->GetDictionary().GetKey(PoDoFo::PdfName(key)));
}

bool is_name(const PoDoFo::PdfObject* object, const char* name) {
    return object != nullptr && object->IsName() && object->GetName() == PoDoFo::PdfName(name);
}

// Walks the page tree iteratively (PDF 32000 7.7.3.2) so that neither depth nor cycles can hurt, and checks
// that the root /Count agrees with the leaves: later stages place fields by page index and must not trust a
// lie.
int count_pages(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* catalog) {
    const PoDoFo::PdfObject* root = key_of(objects, catalog, "Pages");
    if (root == nullptr || !root->IsDictionary()) {
        fail(IntakeRefusal::malformed, "no page tree");
    }
    std::set<const PoDoFo::PdfObject*> visited;
    std::vector<const PoDoFo::PdfObject*> pending{root};
    std::int64_t leaves = 0;
    while (!pending.empty()) {
        const PoDoFo::PdfObject* node = pending.back();
        pending.pop_back();
        if (node == nullptr || !node->IsDictionary()) {
            fail(IntakeRefusal::malformed, "page tree node is not a dictionary");
        }
        if (!visited.insert(node).second) {
            fail(IntakeRefusal::malformed, "page tree has a cycle");
        }
        const PoDoFo::PdfObject* kids = key_of(objects, node, "Kids");
        const PoDoFo::PdfObject* type = key_of(objects, node, "Type");
        if (is_name(type, "Page") || (kids == nullptr && !is_name(type, "Pages"))) {
            ++leaves;
            continue;
        }
        if (kids == nullptr || !kids->IsArray()) {
            fail(IntakeRefusal::malformed, "page tree node without /Kids");
        }
        const PoDoFo::PdfArray& array = kids->GetArray();
        // Reverse so pages are visited in document order; the order does not matter for counting but keeps
        // the walk predictable when debugging.
        for (auto it = array.rbegin(); it != array.rend(); ++it) {
            pending.push_back(resolve(objects, &*it));
        }
    }
    const PoDoFo::PdfObject* count = key_of(objects, root, "Count");
    if (count == nullptr || !count->IsNumber() || count->GetNumber() != leaves) {
        fail(IntakeRefusal::malformed, "page tree /Count disagrees with its leaves");
    }
    if (leaves == 0) {
        fail(IntakeRefusal::malformed, "document has no pages");
    }
    if (leaves > std::numeric_limits<int>::max()) {
        fail(IntakeRefusal::too_deep, "absurd page count");
    }
    return static_cast<int>(leaves);
}

// PDF 32000 12.7.3.1: a field whose /Kids carry partial names (/T) is non-terminal; kids without /T are its
// widget annotations. /FT is inheritable, so it travels down the walk.
void count_signature_fields(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* catalog,
                            InspectReport& report) {
    const PoDoFo::PdfObject* fields = key_of(objects, key_of(objects, catalog, "AcroForm"), "Fields");
    if (fields == nullptr || !fields->IsArray()) {
        return;
    }
    std::set<const PoDoFo::PdfObject*> visited;
    std::vector<std::pair<const PoDoFo::PdfObject*, bool>> pending; // node, inherited /FT /Sig
    for (const PoDoFo::PdfObject& entry : fields->GetArray()) {
        pending.emplace_back(resolve(objects, &entry), false);
    }
    while (!pending.empty()) {
        const auto [node, inherited_sig] = pending.back();
        pending.pop_back();
        if (node == nullptr || !node->IsDictionary() || !visited.insert(node).second) {
            continue;
        }
        const PoDoFo::PdfObject* type = key_of(objects, node, "FT");
        const bool is_sig = type != nullptr ? is_name(type, "Sig") : inherited_sig;
        const PoDoFo::PdfObject* kids = key_of(objects, node, "Kids");
        bool has_field_kids = false;
        if (kids != nullptr && kids->IsArray()) {
            for (const PoDoFo::PdfObject& entry : kids->GetArray()) {
                const PoDoFo::PdfObject* kid = resolve(objects, &entry);
                if (key_of(objects, kid, "T") != nullptr) {
                    has_field_kids = true;
                    pending.emplace_back(kid, is_sig);
                }
            }
        }
        if (has_field_kids || !is_sig) {
            continue;
        }
        ++report.signature_fields;
        const PoDoFo::PdfObject* value = key_of(objects, node, "V");
        if (value != nullptr && !value->IsNull()) {
            ++report.signatures;
        }
    }
}

// PoDoFo parses objects lazily; touching every object and stream now makes broken objects surface here,
// inside the sandbox, instead of in a later stage. PoDoFo 0.9.8 quietly reads a stream whose /Length is
// negative or runs past the end of the file up to the next "endstream"; such a file is damaged, so it is
// refused.
void load_everything(PoDoFo::PdfVecObjects& objects, bool encrypted, std::size_t file_size) {
    for (PoDoFo::PdfObject* object : objects) {
        if (object == nullptr) {
            continue;
        }
        // The declared /Length must be read before the stream loads: loading overwrites it with what was
        // read.
        const PoDoFo::PdfObject* length = key_of(objects, object, "Length");
        const bool numeric = length != nullptr && length->IsNumber();
        const PoDoFo::pdf_int64 declared = numeric ? length->GetNumber() : -1;
        if (!object->HasStream()) {
            continue;
        }
        if (!numeric) {
            fail(IntakeRefusal::malformed, "stream /Length is not a number");
        }
        if (declared < 0 || static_cast<std::uint64_t>(declared) > file_size) {
            fail(IntakeRefusal::malformed, "stream /Length out of range");
        }
        // Decryption (AES: IV and padding) changes the length PoDoFo holds, so only plain files compare
        // exactly.
        if (!encrypted && object->GetStream()->GetLength() != declared) {
            fail(IntakeRefusal::malformed, "stream /Length disagrees with the data");
        }
    }
}

// Value of an integer entry at the top level of the dictionary that starts at `at` ("<<"), lexically.
std::optional<std::int64_t> dictionary_integer(Span pdf, std::size_t at, std::string_view key) {
    int depth = 0;
    std::size_t pos = at;
    while (pos < pdf.size()) {
        const std::uint8_t c = pdf[pos];
        const std::uint8_t next = pos + 1 < pdf.size() ? pdf[pos + 1] : 0;
        if (c == '<' && next == '<') {
            ++depth;
            pos += 2;
        } else if (c == '>' && next == '>') {
            pos += 2;
            if (--depth <= 0) {
                return std::nullopt;
            }
        } else if (c == '(') {
            // Strings may contain "/Prev"; skip them with escapes and balanced parentheses (7.3.4.2).
            std::size_t level = 0;
            while (pos < pdf.size()) {
                const std::uint8_t d = pdf[pos];
                pos += d == '\\' ? 2 : 1;
                if (d == '(') {
                    ++level;
                } else if (d == ')' && --level == 0) {
                    break;
                }
            }
        } else if (c == '/') {
            const std::size_t start = ++pos;
            while (pos < pdf.size() && is_regular(pdf[pos])) {
                ++pos;
            }
            if (depth == 1 && as_text(pdf.subspan(start, pos - start)) == key) {
                while (pos < pdf.size() && is_white(pdf[pos])) {
                    ++pos;
                }
                const std::size_t digits = pos;
                while (pos < pdf.size() && pdf[pos] >= '0' && pdf[pos] <= '9') {
                    ++pos;
                }
                std::int64_t value = 0;
                const std::string_view text = as_text(pdf.subspan(digits, pos - digits));
                if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{}) {
                    return std::nullopt;
                }
                return value;
            }
        } else {
            ++pos;
        }
    }
    return std::nullopt;
}

// Follows startxref and the /Prev links of each trailer or xref-stream dictionary (PDF 32000 7.5.5, 7.5.6,
// 7.5.8) lexically. PoDoFo 0.9.8 skips an xref section it has already read and loads the file anyway; a chain
// that loops is damage (or an attack on readers without that guard), and incremental updates appended by the
// signing stage would extend it, so the file is refused.
void check_xref_chain(Span pdf) {
    const std::string_view text = as_text(pdf);
    const std::size_t startxref = text.rfind("startxref");
    if (startxref == std::string_view::npos) {
        return; // PoDoFo loaded it without one; nothing to follow
    }
    std::size_t pos = startxref + std::strlen("startxref");
    while (pos < text.size() && is_white(pdf[pos])) {
        ++pos;
    }
    std::int64_t offset = -1;
    if (std::from_chars(text.data() + pos, text.data() + text.size(), offset).ec != std::errc{}) {
        return;
    }
    std::set<std::int64_t> visited;
    while (offset >= 0 && static_cast<std::uint64_t>(offset) < pdf.size()) {
        if (!visited.insert(offset).second) {
            fail(IntakeRefusal::malformed, "xref /Prev chain loops");
        }
        std::size_t at = static_cast<std::size_t>(offset);
        while (at < text.size() && is_white(pdf[at])) {
            ++at;
        }
        std::size_t dictionary = std::string_view::npos;
        if (text.substr(at, 4) == "xref") {
            const std::size_t trailer = text.find("trailer", at);
            dictionary = trailer == std::string_view::npos ? trailer : text.find("<<", trailer);
        } else {
            // "N G obj <<": an xref stream; its dictionary starts within a few bytes.
            const std::string_view window = text.substr(at, 64);
            const std::size_t obj = window.find("obj");
            const std::size_t open = obj == std::string_view::npos ? obj : window.find("<<", obj);
            dictionary = open == std::string_view::npos ? open : at + open;
        }
        if (dictionary == std::string_view::npos) {
            return;
        }
        const auto previous = dictionary_integer(pdf, dictionary, "Prev");
        if (!previous) {
            return;
        }
        offset = *previous;
    }
}

IntakeRefusal refusal_for(const PoDoFo::PdfError& error) {
    switch (error.GetError()) {
    case PoDoFo::ePdfError_InvalidPassword:
    case PoDoFo::ePdfError_InvalidEncryptionDict:
        // An encryption PoDoFo cannot open is, to the uploader, the same as a password they must remove.
        return IntakeRefusal::password_protected;
    case PoDoFo::ePdfError_OutOfMemory:
        return IntakeRefusal::too_big_to_parse;
    default:
        return IntakeRefusal::malformed;
    }
}

InspectReport load_and_read(Span pdf, const std::string& version, const IntakeLimits& limits) {
    // PoDoFo logs parser warnings to stderr; in the worker they are noise an attacker controls.
    PoDoFo::PdfError::EnableLogging(false);
    PoDoFo::PdfError::EnableDebug(false);
    PoDoFo::PdfParser::SetMaxObjectCount(static_cast<long>(limits.max_objects));

    PoDoFo::PdfMemDocument document;
    document.LoadFromBuffer(reinterpret_cast<const char*>(pdf.data()), static_cast<long>(pdf.size()));
    InspectReport report;
    report.encrypted = document.GetEncrypted();
    load_everything(document.GetObjects(), report.encrypted, pdf.size());
    check_xref_chain(pdf);
    const PoDoFo::PdfObject* catalog = document.GetCatalog();
    if (catalog == nullptr || !catalog->IsDictionary()) {
        fail(IntakeRefusal::malformed, "no document catalog");
    }
    report.pdf_version = effective_version(version, catalog);
    report.page_count = count_pages(document.GetObjects(), catalog);
    count_signature_fields(document.GetObjects(), catalog, report);
    return report;
}

} // namespace

std::optional<IntakeRefusal> prescan(std::span<const std::uint8_t> pdf, const IntakeLimits& limits) {
    if (pdf.empty()) {
        return IntakeRefusal::empty;
    }
    if (!find_header(pdf)) {
        return IntakeRefusal::not_a_pdf;
    }
    std::int64_t objects = 0;
    Scanner scanner(pdf, limits, objects, true);
    return scanner.run();
}

Result<InspectReport> inspect(std::span<const std::uint8_t> pdf, const IntakeLimits& limits,
                              std::string* detail) {
    const auto refuse = [detail](IntakeRefusal refusal, std::string why) -> Error {
        if (detail != nullptr) {
            *detail = std::move(why);
        }
        return refusal_error(refusal);
    };
    try {
        if (const auto refusal = prescan(pdf, limits)) {
            return refuse(*refusal, "pre-scan: " + std::string(refusal_name(*refusal)));
        }
        const std::string version = header_version(pdf, *find_header(pdf));
        if (version.empty()) {
            return refuse(IntakeRefusal::malformed, "header without a version");
        }
        return load_and_read(pdf, version, limits);
    } catch (const Failure& failure) {
        return refuse(failure.refusal, failure.detail);
    } catch (const PoDoFo::PdfError& error) {
        return refuse(refusal_for(error),
                      std::string("PoDoFo: ") + PoDoFo::PdfError::ErrorName(error.GetError()));
    } catch (const std::bad_alloc&) {
        return refuse(IntakeRefusal::too_big_to_parse, "out of memory");
    } catch (const std::length_error&) {
        return refuse(IntakeRefusal::too_big_to_parse, "allocation size out of range");
    } catch (const std::exception& error) {
        return refuse(IntakeRefusal::malformed, std::string("exception: ") + error.what());
    }
}

} // namespace kinvault::pdf
