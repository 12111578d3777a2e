#include "hostile_pdfs.h"

#include <botan/hash.h>
#include <botan/stream_cipher.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <utility>

namespace kinvault::test {
namespace {

using pdf::InspectReport;
using pdf::IntakeRefusal;

std::string object_ref(int number) {
    return std::to_string(number) + " 0 R";
}

std::string stream_body(std::string_view dictionary_extra, std::string_view data) {
    std::string out = "<< /Length " + std::to_string(data.size());
    if (!dictionary_extra.empty()) {
        out += ' ';
        out += dictionary_extra;
    }
    out += " >>\nstream\n";
    out += data;
    out += "\nendstream";
    return out;
}

// Writes classic PDF syntax (PDF 32000-1:2008 section 7.5): objects, then a cross-reference table and
// trailer. Entries that must lie about something write their own tail from the recorded offsets.
class PdfWriter {
public:
    explicit PdfWriter(std::string_view version = "1.4") {
        m_out = "%PDF-";
        m_out += version;
        // A comment with bytes above 127 marks the file as binary (7.5.2).
        m_out += "\n%\xE2\xE3\xCF\xD3\n";
    }

    int reserve() {
        m_offsets.push_back(0);
        return static_cast<int>(m_offsets.size());
    }
    void define(int number, std::string_view body) {
        m_offsets.at(static_cast<std::size_t>(number - 1)) = m_out.size();
        m_out += std::to_string(number) + " 0 obj\n";
        m_out += body;
        m_out += "\nendobj\n";
    }
    int add(std::string_view body) {
        const int number = reserve();
        define(number, body);
        return number;
    }

    [[nodiscard]] std::size_t size() const { return m_out.size(); }
    [[nodiscard]] int object_count() const { return static_cast<int>(m_offsets.size()); }
    [[nodiscard]] std::size_t offset_of(int number) const {
        return m_offsets.at(static_cast<std::size_t>(number - 1));
    }
    std::string& text() { return m_out; }

    // Writes "xref" with one subsection covering every object; returns its offset.
    std::size_t write_xref() {
        const std::size_t at = m_out.size();
        m_out += "xref\n0 " + std::to_string(m_offsets.size() + 1) + "\n0000000000 65535 f \n";
        for (const std::size_t offset : m_offsets) {
            std::array<char, 24> entry{};
            std::snprintf(entry.data(), entry.size(), "%010zu 00000 n \n", offset);
            m_out += entry.data();
        }
        return at;
    }
    void write_trailer(std::string_view dictionary, std::size_t startxref) {
        m_out += "trailer\n";
        m_out += dictionary;
        m_out += "\nstartxref\n" + std::to_string(startxref) + "\n%%EOF\n";
    }
    Bytes finish(int root, std::string_view trailer_extra = "") {
        const std::size_t xref = write_xref();
        std::string trailer =
            "<< /Size " + std::to_string(m_offsets.size() + 1) + " /Root " + object_ref(root);
        if (!trailer_extra.empty()) {
            trailer += ' ';
            trailer += trailer_extra;
        }
        trailer += " >>";
        write_trailer(trailer, xref);
        return to_bytes(m_out);
    }

private:
    std::string m_out;
    std::vector<std::size_t> m_offsets;
};

std::string page_content(std::string_view text, int page) {
    return "BT /F1 24 Tf 72 720 Td (" + std::string(text) + " " + std::to_string(page) + ") Tj ET";
}

// Writes a page tree under the reserved object `root` (PDF 32000 7.7.3): pages hang directly off the root up
// to ten, otherwise under intermediate /Pages nodes of ten. Returns the page object numbers in order.
std::vector<int> write_page_tree(PdfWriter& writer, int root, int pages, std::string_view text,
                                 std::string_view root_count, std::string_view page_extra = "") {
    const int font = writer.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    std::vector<int> page_numbers;
    std::vector<int> kids_of_root;
    const bool two_levels = pages > 10;
    for (int first = 0; first < pages; first += 10) {
        const int last = std::min(pages, first + 10);
        const int parent = two_levels ? writer.reserve() : root;
        std::string kids;
        for (int page = first; page < last; ++page) {
            const int content = writer.add(stream_body("", page_content(text, page + 1)));
            std::string body = "<< /Type /Page /Parent " + object_ref(parent) +
                               " /MediaBox [0 0 612 792] /Resources << /Font << /F1 " + object_ref(font) +
                               " >> >> /Contents " + object_ref(content);
            if (!page_extra.empty()) {
                body += ' ';
                body += page_extra;
            }
            body += " >>";
            const int number = writer.add(body);
            page_numbers.push_back(number);
            kids += object_ref(number) + ' ';
        }
        if (two_levels) {
            writer.define(parent, "<< /Type /Pages /Parent " + object_ref(root) + " /Kids [" + kids +
                                      "] /Count " + std::to_string(last - first) + " >>");
            kids_of_root.push_back(parent);
        } else {
            kids_of_root = page_numbers;
        }
    }
    std::string kids;
    for (const int kid : kids_of_root) {
        kids += object_ref(kid) + ' ';
    }
    const std::string count = root_count.empty() ? std::to_string(pages) : std::string(root_count);
    writer.define(root, "<< /Type /Pages /Kids [" + kids + "] /Count " + count + " >>");
    return page_numbers;
}

InspectReport report(int pages, std::string version = "1.4") {
    InspectReport expected;
    expected.page_count = pages;
    expected.pdf_version = std::move(version);
    return expected;
}

// --- encryption (PDF 32000-1:2008 section 7.6.3.3, standard security handler revision 2) -------------------

constexpr std::array<std::uint8_t, 32> password_padding{
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A};
constexpr std::size_t rc4_key_bytes = 5;  // revision 2: 40-bit keys
constexpr std::int32_t permissions = -44; // table 22: print and copy allowed, modify and annotate not

Bytes padded(std::string_view password) {
    Bytes out(password.begin(),
              password.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(32, password.size())));
    out.insert(out.end(), password_padding.begin(),
               password_padding.begin() + static_cast<std::ptrdiff_t>(32 - out.size()));
    return out;
}

Bytes md5(const Bytes& data) {
    const auto hash = Botan::HashFunction::create_or_throw("MD5");
    hash->update(data.data(), data.size());
    const auto digest = hash->final();
    return Bytes(digest.begin(), digest.end());
}

Bytes rc4(const Bytes& key, Bytes data) {
    const auto cipher = Botan::StreamCipher::create_or_throw("RC4");
    cipher->set_key(key.data(), key.size());
    cipher->cipher1(data.data(), data.size());
    return data;
}

std::string hex_string(const Bytes& bytes) {
    return "<" + to_hex(bytes) + ">";
}

} // namespace

Bytes valid_pdf(int pages, std::string_view text, std::string_view header_version,
                std::string_view catalog_extra) {
    PdfWriter writer(header_version);
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    write_page_tree(writer, root, pages, text, "");
    std::string body = "<< /Type /Catalog /Pages " + object_ref(root);
    if (!catalog_extra.empty()) {
        body += ' ';
        body += catalog_extra;
    }
    writer.define(catalog, body + " >>");
    return writer.finish(catalog);
}

Bytes pdf_with_signature_fields(int unsigned_fields, int signed_fields) {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    const int page = writer.reserve();
    std::string fields;
    for (int i = 0; i < unsigned_fields + signed_fields; ++i) {
        std::string body = "<< /FT /Sig /T (Signature" + std::to_string(i + 1) +
                           ") /Type /Annot /Subtype /Widget /F 4 /P " + object_ref(page) + " /Rect [" +
                           std::to_string(72 + i * 10) + " 72 " + std::to_string(172 + i * 10) + " 112]";
        if (i >= unsigned_fields) {
            const int value =
                writer.add("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
                           "/ByteRange [0 0 0 0] /Contents <" +
                           std::string(64, '0') + "> /M (D:20240101000000Z) >>");
            body += " /V " + object_ref(value);
        }
        body += " >>";
        fields += object_ref(writer.add(body)) + ' ';
    }
    // Page object reserved above, written here so its /Annots can list the widgets.
    const int font = writer.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    const int content = writer.add(stream_body("", page_content("Signature page", 1)));
    writer.define(page, "<< /Type /Page /Parent " + object_ref(root) +
                            " /MediaBox [0 0 612 792] /Resources << /Font << /F1 " + object_ref(font) +
                            " >> >> /Contents " + object_ref(content) + " /Annots [" + fields + "] >>");
    writer.define(root, "<< /Type /Pages /Kids [" + object_ref(page) + "] /Count 1 >>");
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " /AcroForm << /Fields [" +
                               fields + "] /SigFlags 3 >> >>");
    return writer.finish(catalog);
}

Bytes encrypted_pdf(std::string_view user_password, std::string_view owner_password) {
    const Bytes id = md5(to_bytes("kinvault hostile corpus encrypted entry"));
    // Algorithm 3: the /O entry.
    const Bytes owner_digest = md5(padded(owner_password.empty() ? user_password : owner_password));
    const Bytes owner_key(owner_digest.begin(), owner_digest.begin() + rc4_key_bytes);
    const Bytes o_entry = rc4(owner_key, padded(user_password));
    // Algorithm 2: the file key from the user password, /O, /P (low-order byte first) and the first /ID.
    Bytes key_input = padded(user_password);
    key_input.insert(key_input.end(), o_entry.begin(), o_entry.end());
    const auto p = static_cast<std::uint32_t>(permissions);
    for (int shift = 0; shift < 32; shift += 8) {
        key_input.push_back(static_cast<std::uint8_t>(p >> shift));
    }
    key_input.insert(key_input.end(), id.begin(), id.end());
    const Bytes digest = md5(key_input);
    const Bytes file_key(digest.begin(), digest.begin() + rc4_key_bytes);
    // Algorithm 4: the /U entry.
    const Bytes u_entry = rc4(file_key, Bytes(password_padding.begin(), password_padding.end()));

    PdfWriter writer("1.4");
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    const int page = writer.reserve();
    const int content = writer.reserve();
    // Algorithm 1: each stream is encrypted with MD5(file key, object number, generation) truncated to n + 5.
    Bytes object_key_input = file_key;
    for (int shift = 0; shift < 24; shift += 8) {
        object_key_input.push_back(static_cast<std::uint8_t>(content >> shift));
    }
    object_key_input.push_back(0);
    object_key_input.push_back(0);
    const Bytes object_digest = md5(object_key_input);
    const Bytes object_key(object_digest.begin(), object_digest.begin() + rc4_key_bytes + 5);
    const Bytes ciphertext = rc4(object_key, to_bytes(page_content("Encrypted page", 1)));

    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    writer.define(root, "<< /Type /Pages /Kids [" + object_ref(page) + "] /Count 1 >>");
    const int font = writer.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    writer.define(page, "<< /Type /Page /Parent " + object_ref(root) +
                            " /MediaBox [0 0 612 792] /Resources << /Font << /F1 " + object_ref(font) +
                            " >> >> /Contents " + object_ref(content) + " >>");
    writer.define(content, stream_body("", to_string(ciphertext)));
    const int encrypt = writer.add("<< /Filter /Standard /V 1 /R 2 /O " + hex_string(o_entry) + " /U " +
                                   hex_string(u_entry) + " /P " + std::to_string(permissions) + " >>");
    return writer.finish(catalog, "/Encrypt " + object_ref(encrypt) + " /ID [" + hex_string(id) + ' ' +
                                      hex_string(id) + "]");
}

namespace {

// --- the hostile entries ----------------------------------------------------------------------------------

Bytes with_catalog_extra(std::string_view extra) {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    write_page_tree(writer, root, 1, "Nested", "");
    writer.define(catalog,
                  "<< /Type /Catalog /Pages " + object_ref(root) + " /Extra " + std::string(extra) + " >>");
    return writer.finish(catalog);
}

std::string nested_dictionaries(int depth) {
    std::string out;
    out.reserve(static_cast<std::size_t>(depth) * 9);
    for (int i = 0; i < depth; ++i) {
        out += "<< /A ";
    }
    out += "1";
    for (int i = 0; i < depth; ++i) {
        out += " >>";
    }
    return out;
}

std::string nested_arrays(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') + "1" +
           std::string(static_cast<std::size_t>(depth), ']');
}

// RFC 1950 zlib framing around RFC 1951 "stored" (uncompressed) blocks: valid /FlateDecode data that needs no
// compressor, while the contents are still hidden from anyone who does not inflate them.
std::string zlib_stored(std::string_view data) {
    std::string out = "\x78\x01";
    std::size_t at = 0;
    do {
        const std::size_t length = std::min<std::size_t>(65535, data.size() - at);
        const bool final = at + length == data.size();
        out += static_cast<char>(final ? 1 : 0);
        out += static_cast<char>(length & 0xFF);
        out += static_cast<char>(length >> 8);
        out += static_cast<char>(~length & 0xFF);
        out += static_cast<char>((~length >> 8) & 0xFF);
        out += data.substr(at, length);
        at += length;
    } while (at < data.size());
    std::uint32_t a = 1;
    std::uint32_t b = 0;
    for (const char c : data) {
        a = (a + static_cast<std::uint8_t>(c)) % 65521;
        b = (b + a) % 65521;
    }
    const std::uint32_t adler = (b << 16) | a;
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += static_cast<char>((adler >> shift) & 0xFF);
    }
    return out;
}

// PDF 1.5 layout: object 4 lives compressed in object stream 5 and is indexed by a cross-reference stream
// (PDF 32000 7.5.7 and 7.5.8). `objstm_count` is the /N the object stream claims.
Bytes with_object_stream(std::string_view hidden_object, std::string_view objstm_count) {
    PdfWriter writer("1.5");
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    const int page = writer.reserve();
    const int hidden = writer.reserve();
    const int objstm = writer.reserve();
    writer.define(catalog,
                  "<< /Type /Catalog /Pages " + object_ref(root) + " /Extra " + object_ref(hidden) + " >>");
    writer.define(root, "<< /Type /Pages /Kids [" + object_ref(page) + "] /Count 1 >>");
    writer.define(page, "<< /Type /Page /Parent " + object_ref(root) + " /MediaBox [0 0 612 792] >>");
    const std::string index = std::to_string(hidden) + " 0 ";
    const std::string decoded = index + std::string(hidden_object);
    writer.define(objstm, stream_body("/Type /ObjStm /N " + std::string(objstm_count) + " /First " +
                                          std::to_string(index.size()) + " /Filter /FlateDecode",
                                      zlib_stored(decoded)));
    const int xref = writer.reserve();
    const std::size_t xref_offset = writer.size();
    // /W [1 4 2]: type, field 2 (offset or object-stream number), field 3 (generation or index).
    std::string entries;
    const auto entry = [&entries](int type, std::uint32_t field2, std::uint16_t field3) {
        entries += static_cast<char>(type);
        for (int shift = 24; shift >= 0; shift -= 8) {
            entries += static_cast<char>((field2 >> shift) & 0xFF);
        }
        entries += static_cast<char>(field3 >> 8);
        entries += static_cast<char>(field3 & 0xFF);
    };
    entry(0, 0, 65535);
    for (int number = 1; number <= xref; ++number) {
        if (number == hidden) {
            entry(2, static_cast<std::uint32_t>(objstm), 0);
        } else if (number == xref) {
            entry(1, static_cast<std::uint32_t>(xref_offset), 0);
        } else {
            entry(1, static_cast<std::uint32_t>(writer.offset_of(number)), 0);
        }
    }
    writer.define(xref, stream_body("/Type /XRef /Size " + std::to_string(xref + 1) + " /W [1 4 2] /Root " +
                                        object_ref(catalog),
                                    entries));
    writer.text() += "startxref\n" + std::to_string(xref_offset) + "\n%%EOF\n";
    return to_bytes(writer.text());
}

Bytes many_objects(std::int64_t count) {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    write_page_tree(writer, root, 1, "Many objects", "");
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    while (writer.object_count() < count) {
        writer.add("null");
    }
    return writer.finish(catalog);
}

Bytes huge_size_claim() {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    write_page_tree(writer, root, 1, "Huge size", "");
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    const std::size_t xref = writer.write_xref();
    writer.write_trailer("<< /Size 2147483647 /Root " + object_ref(catalog) + " >>", xref);
    return to_bytes(writer.text());
}

Bytes huge_xref_subsection() {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    write_page_tree(writer, root, 1, "Huge xref", "");
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    const std::size_t xref = writer.size();
    writer.text() += "xref\n0 100000000\n0000000000 65535 f \n";
    writer.write_trailer("<< /Size 6 /Root " + object_ref(catalog) + " >>", xref);
    return to_bytes(writer.text());
}

Bytes page_tree(std::string_view root_count, bool root_is_own_kid) {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    if (root_is_own_kid) {
        const int page =
            writer.add("<< /Type /Page /Parent " + object_ref(root) + " /MediaBox [0 0 612 792] >>");
        writer.define(root, "<< /Type /Pages /Kids [" + object_ref(page) + ' ' + object_ref(root) +
                                "] /Count 2 >>");
    } else {
        write_page_tree(writer, root, 1, "Page tree", root_count);
    }
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    return writer.finish(catalog);
}

// A valid one-page document whose tail (xref sections and trailers) is written by `tail`.
template <typename Tail>
Bytes with_tail(Tail tail) {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    write_page_tree(writer, root, 1, "Tail", "");
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    tail(writer, catalog);
    return to_bytes(writer.text());
}

// A valid file plus one incremental update (PDF 32000 7.5.6): a new object, an xref section for it and a
// trailer whose /Prev points at the original section, as every signature adds.
Bytes incremental_update() {
    return with_tail([](PdfWriter& writer, int catalog) {
        const std::string size = std::to_string(writer.object_count() + 2);
        const std::size_t original = writer.write_xref();
        writer.write_trailer("<< /Size " + std::to_string(writer.object_count() + 1) + " /Root " +
                                 object_ref(catalog) + " >>",
                             original);
        const int added = writer.add("<< /Note (added by an incremental update) >>");
        const std::size_t update = writer.size();
        std::array<char, 24> entry{};
        std::snprintf(entry.data(), entry.size(), "%010zu 00000 n \n", writer.offset_of(added));
        writer.text() += "xref\n0 1\n0000000000 65535 f \n" + std::to_string(added) + " 1\n" + entry.data();
        writer.write_trailer("<< /Size " + size + " /Root " + object_ref(catalog) + " /Prev " +
                                 std::to_string(original) + " >>",
                             update);
    });
}

Bytes xref_prev_self() {
    return with_tail([](PdfWriter& writer, int catalog) {
        const std::size_t xref = writer.write_xref();
        writer.write_trailer("<< /Size " + std::to_string(writer.object_count() + 1) + " /Root " +
                                 object_ref(catalog) + " /Prev " + std::to_string(xref) + " >>",
                             xref);
    });
}

Bytes xref_prev_mutual() {
    return with_tail([](PdfWriter& writer, int catalog) {
        const std::string size = std::to_string(writer.object_count() + 1);
        const std::size_t first = writer.write_xref();
        // The first trailer points forward to the second section, whose offset is known only after writing;
        // a fixed-width placeholder is patched afterwards.
        const std::string placeholder = "0000000000";
        writer.text() += "trailer\n<< /Size " + size + " /Root " + object_ref(catalog) + " /Prev ";
        const std::size_t patch_at = writer.size();
        writer.text() += placeholder + " >>\n";
        const std::size_t second = writer.write_xref();
        writer.write_trailer("<< /Size " + size + " /Root " + object_ref(catalog) + " /Prev " +
                                 std::to_string(first) + " >>",
                             second);
        std::array<char, 16> digits{};
        std::snprintf(digits.data(), digits.size(), "%010zu", second);
        writer.text().replace(patch_at, placeholder.size(), digits.data());
    });
}

Bytes startxref_beyond_eof() {
    return with_tail([](PdfWriter& writer, int catalog) {
        static_cast<void>(writer.write_xref());
        writer.write_trailer("<< /Size " + std::to_string(writer.object_count() + 1) + " /Root " +
                                 object_ref(catalog) + " >>",
                             99'999'999);
    });
}

Bytes bogus_xref_offsets() {
    return with_tail([](PdfWriter& writer, int catalog) {
        const std::size_t xref = writer.size();
        writer.text() += "xref\n0 " + std::to_string(writer.object_count() + 1) + "\n0000000000 65535 f \n";
        for (int number = 1; number <= writer.object_count(); ++number) {
            // Every entry points into the middle of the header comment.
            writer.text() += "0000000003 00000 n \n";
        }
        writer.write_trailer("<< /Size " + std::to_string(writer.object_count() + 1) + " /Root " +
                                 object_ref(catalog) + " >>",
                             xref);
    });
}

// One page whose content stream has the given /Length value (and the real, short data).
Bytes stream_length(std::string_view length_value, bool length_is_self_reference) {
    PdfWriter writer;
    const int catalog = writer.reserve();
    const int root = writer.reserve();
    const int page = writer.reserve();
    const int content = writer.reserve();
    writer.define(catalog, "<< /Type /Catalog /Pages " + object_ref(root) + " >>");
    writer.define(root, "<< /Type /Pages /Kids [" + object_ref(page) + "] /Count 1 >>");
    writer.define(page, "<< /Type /Page /Parent " + object_ref(root) + " /MediaBox [0 0 612 792] /Contents " +
                            object_ref(content) + " >>");
    const std::string length = length_is_self_reference ? object_ref(content) : std::string(length_value);
    writer.define(content,
                  "<< /Length " + length + " >>\nstream\n" + page_content("Length", 1) + "\nendstream");
    return writer.finish(catalog);
}

Bytes truncated(Bytes bytes, std::size_t keep) {
    bytes.resize(std::min(bytes.size(), keep));
    return bytes;
}

Bytes garbage_after_header() {
    std::mt19937 random(20240611); // fixed seed: the corpus must be identical on every run
    std::string out = "%PDF-1.7\n";
    for (int i = 0; i < 4096; ++i) {
        out += static_cast<char>(random() & 0xFF);
    }
    return to_bytes(out);
}

Bytes png_header() {
    // PNG signature and the start of an IHDR chunk (ISO/IEC 15948, section 5.2 and 11.2.2).
    const std::array<std::uint8_t, 33> png{0x89, 'P',  'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00,
                                           0x0D, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                           0x01, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00, 0x5C, 0x72, 0xA8, 0x66};
    return Bytes(png.begin(), png.end());
}

HostilePdf refused(std::string name, std::string description, Bytes bytes, IntakeRefusal refusal) {
    return HostilePdf{std::move(name), std::move(description), std::move(bytes), refusal, {}};
}

HostilePdf accepted(std::string name, std::string description, Bytes bytes, InspectReport expected) {
    return HostilePdf{std::move(name), std::move(description), std::move(bytes), std::nullopt,
                      std::move(expected)};
}

std::vector<HostilePdf> build_corpus() {
    std::vector<HostilePdf> corpus;
    const pdf::IntakeLimits defaults;

    corpus.push_back(accepted("valid-1-page", "a small valid PDF for comparison", valid_pdf(1), report(1)));
    corpus.push_back(accepted("valid-3-pages", "a valid PDF with three pages", valid_pdf(3), report(3)));
    corpus.push_back(accepted("valid-50-pages", "a valid PDF with a two-level page tree of 50 pages",
                              valid_pdf(50), report(50)));
    InspectReport signed_report = report(1);
    signed_report.signature_fields = 3;
    signed_report.signatures = 1;
    corpus.push_back(accepted("valid-signature-fields", "two empty signature fields and one signed",
                              pdf_with_signature_fields(2, 1), signed_report));
    InspectReport encrypted_report = report(1);
    encrypted_report.encrypted = true;
    corpus.push_back(accepted("valid-encrypted-owner-only", "RC4-encrypted, empty user password",
                              encrypted_pdf("", "kinvault-owner"), encrypted_report));
    corpus.push_back(accepted(
        "valid-object-streams", "PDF 1.5 with an object stream and a cross-reference stream",
        with_object_stream("<< /Note (kept in a compressed object stream) >>", "1"), report(1, "1.5")));
    corpus.push_back(accepted("valid-incremental-update", "a valid PDF with one incremental update appended",
                              incremental_update(), report(1)));
    corpus.push_back(accepted("valid-nesting-at-limit", "dictionaries nested exactly to the depth limit",
                              with_catalog_extra(nested_dictionaries(defaults.max_depth - 1)), report(1)));

    corpus.push_back(refused("empty", "zero bytes", {}, IntakeRefusal::empty));
    corpus.push_back(refused("not-pdf-png", "a PNG image", png_header(), IntakeRefusal::not_a_pdf));
    corpus.push_back(refused("not-pdf-text", "a plain text letter",
                             to_bytes("Dear Dr. Rivera,\nplease find the signed agreement attached.\n"),
                             IntakeRefusal::not_a_pdf));
    Bytes late_header(1024, ' ');
    const Bytes valid = valid_pdf(1);
    late_header.insert(late_header.end(), valid.begin(), valid.end());
    corpus.push_back(refused("header-after-1024-bytes", "a valid PDF preceded by 1024 spaces", late_header,
                             IntakeRefusal::not_a_pdf));

    corpus.push_back(
        refused("header-only", "just the %PDF-1.7 line", to_bytes("%PDF-1.7\n"), IntakeRefusal::malformed));
    corpus.push_back(refused("garbage-after-header", "4 KiB of random bytes after a PDF header",
                             garbage_after_header(), IntakeRefusal::malformed));
    const Bytes three = valid_pdf(3);
    corpus.push_back(refused("truncated-half", "the first half of a valid PDF",
                             truncated(three, three.size() / 2), IntakeRefusal::malformed));
    corpus.push_back(refused("truncated-tail", "a valid PDF missing its last 40 bytes (startxref, %%EOF)",
                             truncated(three, three.size() - 40), IntakeRefusal::malformed));

    corpus.push_back(refused("deep-dicts-20000", "20,000 nested dictionaries (crashes PoDoFo 0.9.8)",
                             with_catalog_extra(nested_dictionaries(20'000)), IntakeRefusal::too_deep));
    corpus.push_back(refused("deep-dicts-1000", "1,000 nested dictionaries (PoDoFo 0.9.8 cost grows as n^3)",
                             with_catalog_extra(nested_dictionaries(1'000)), IntakeRefusal::too_deep));
    corpus.push_back(refused("deep-dicts-2000", "2,000 nested dictionaries (minutes of PoDoFo CPU)",
                             with_catalog_extra(nested_dictionaries(2'000)), IntakeRefusal::too_deep));
    corpus.push_back(refused("deep-arrays-1000", "1,000 nested arrays",
                             with_catalog_extra(nested_arrays(1'000)), IntakeRefusal::too_deep));
    corpus.push_back(refused("deep-arrays-2000", "2,000 nested arrays",
                             with_catalog_extra(nested_arrays(2'000)), IntakeRefusal::too_deep));
    corpus.push_back(refused("deep-nesting-over-limit", "dictionaries nested one level beyond the limit",
                             with_catalog_extra(nested_dictionaries(defaults.max_depth + 1)),
                             IntakeRefusal::too_deep));
    corpus.push_back(refused("deep-arrays-in-object-stream",
                             "2,000 nested arrays hidden in a Flate-compressed object stream",
                             with_object_stream(nested_arrays(2'000), "1"), IntakeRefusal::too_deep));

    corpus.push_back(refused("many-objects", "one object more than the object limit",
                             many_objects(defaults.max_objects + 1), IntakeRefusal::too_deep));
    corpus.push_back(
        refused("huge-trailer-size", "trailer /Size 2147483647", huge_size_claim(), IntakeRefusal::too_deep));
    corpus.push_back(refused("huge-xref-subsection", "an xref subsection claiming 100,000,000 entries",
                             huge_xref_subsection(), IntakeRefusal::too_deep));
    corpus.push_back(refused("huge-object-stream-count", "an object stream claiming /N 1000000000",
                             with_object_stream("null", "1000000000"), IntakeRefusal::too_deep));
    corpus.push_back(refused("huge-page-count", "page tree /Count 2147483647 over a single page",
                             page_tree("2147483647", false), IntakeRefusal::malformed));
    corpus.push_back(refused("page-tree-cycle", "the page tree root lists itself as a kid",
                             page_tree("", true), IntakeRefusal::malformed));

    corpus.push_back(refused("xref-prev-self", "the trailer's /Prev points at its own xref section",
                             xref_prev_self(), IntakeRefusal::malformed));
    corpus.push_back(refused("xref-prev-mutual", "two xref sections whose /Prev point at each other",
                             xref_prev_mutual(), IntakeRefusal::malformed));
    corpus.push_back(refused("startxref-beyond-eof", "startxref points far past the end of the file",
                             startxref_beyond_eof(), IntakeRefusal::malformed));
    corpus.push_back(refused("bogus-xref-offsets", "every xref entry points into the header comment",
                             bogus_xref_offsets(), IntakeRefusal::malformed));

    corpus.push_back(refused("stream-length-beyond-eof", "a content stream with /Length 99999999",
                             stream_length("99999999", false), IntakeRefusal::malformed));
    corpus.push_back(refused("stream-length-negative", "a content stream with /Length -20",
                             stream_length("-20", false), IntakeRefusal::malformed));
    corpus.push_back(refused("stream-length-self-reference",
                             "a stream whose /Length refers to the stream itself", stream_length("", true),
                             IntakeRefusal::malformed));

    corpus.push_back(refused("password-protected", "RC4-encrypted with a user password",
                             encrypted_pdf("kinvault-user", "kinvault-owner"),
                             IntakeRefusal::password_protected));
    return corpus;
}

} // namespace

const std::vector<HostilePdf>& hostile_corpus() {
    static const std::vector<HostilePdf> corpus = build_corpus();
    return corpus;
}

const HostilePdf& hostile_pdf(std::string_view name) {
    for (const HostilePdf& entry : hostile_corpus()) {
        if (entry.name == name) {
            return entry;
        }
    }
    throw std::out_of_range("no hostile corpus entry named " + std::string(name));
}

} // namespace kinvault::test
