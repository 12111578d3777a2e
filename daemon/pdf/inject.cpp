#include "pdf/inject.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace kinvault::pdf {

namespace {

// How far before the placeholder the /ByteRange array may start. PoDoFo writes the signature dictionary's
// keys in sorted order, so /ByteRange comes right before /Contents; the window only bounds the search.
constexpr std::size_t k_byte_range_window = 512;

bool is_pdf_whitespace(std::uint8_t c) {
    // ISO 32000-1 §7.2.2, Table 1.
    return c == 0x00 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x20;
}

bool is_digit(std::uint8_t c) {
    return c >= '0' && c <= '9';
}

// Parses "[ n n n n ]" at `pos` (non-negative integers, PDF whitespace between tokens).
bool parse_byte_range_text(const Bytes& data, std::size_t pos, std::size_t limit, ByteRange& out) {
    auto skip_ws = [&](std::size_t p) {
        while (p < limit && is_pdf_whitespace(data[p])) {
            ++p;
        }
        return p;
    };
    pos = skip_ws(pos);
    if (pos >= limit || data[pos] != '[') {
        return false;
    }
    ++pos;
    std::array<std::uint64_t, 4> values{};
    for (auto& value : values) {
        pos = skip_ws(pos);
        if (pos >= limit || !is_digit(data[pos])) {
            return false;
        }
        std::uint64_t v = 0;
        int digits = 0;
        while (pos < limit && is_digit(data[pos])) {
            if (++digits > 15) { // more than any file we could hold; also keeps v far from overflow
                return false;
            }
            v = v * 10 + static_cast<std::uint64_t>(data[pos] - '0');
            ++pos;
        }
        value = v;
    }
    pos = skip_ws(pos);
    if (pos >= limit || data[pos] != ']') {
        return false;
    }
    out = ByteRange{values[0], values[1], values[2], values[3]};
    return true;
}

std::size_t rfind_in(const Bytes& data, std::string_view needle, std::size_t from, std::size_t to) {
    // Last occurrence of `needle` starting in [from, to - needle.size()]; npos if none.
    if (to > data.size() || to < from || to - from < needle.size()) {
        return std::string_view::npos;
    }
    const auto begin = data.begin() + static_cast<std::ptrdiff_t>(from);
    const auto end = data.begin() + static_cast<std::ptrdiff_t>(to);
    const auto it = std::find_end(begin, end, needle.begin(), needle.end());
    if (it == end) {
        return std::string_view::npos;
    }
    return static_cast<std::size_t>(it - data.begin());
}

} // namespace

Status check_prepared(const PreparedPdf& prepared) {
    const Bytes& pdf = prepared.pdf;
    const std::uint64_t size = pdf.size();
    const ByteRange& r = prepared.byte_range;
    const auto bad = [](const char* why) { return make_error(Errc::unprocessable, why); };

    if (r.start1 != 0) {
        return bad("byte range does not start at 0");
    }
    if (r.length1 == 0 || r.length1 >= size || r.start2 > size || r.start2 <= r.length1 + 1) {
        return bad("byte range lies outside the document");
    }
    if (r.length2 != size - r.start2) {
        return bad("byte range does not end at the end of the document");
    }
    const std::size_t lt = static_cast<std::size_t>(r.length1);
    const std::size_t gt = static_cast<std::size_t>(r.start2 - 1);
    if (pdf[lt] != '<' || pdf[gt] != '>') {
        return bad("the gap in the byte range is not a hex string");
    }
    if (prepared.contents_offset != lt + 1 || prepared.contents_length != gt - lt - 1) {
        return bad("placeholder position does not match the byte range");
    }
    if (prepared.contents_length == 0 || prepared.contents_length % 2 != 0 ||
        prepared.contents_length > 2 * k_max_contents_bytes) {
        return bad("placeholder size is invalid");
    }
    const auto first = pdf.begin() + static_cast<std::ptrdiff_t>(prepared.contents_offset);
    const auto last = first + static_cast<std::ptrdiff_t>(prepared.contents_length);
    if (!std::all_of(first, last, [](std::uint8_t c) { return c == '0'; })) {
        return bad("placeholder is not empty (already signed?)");
    }

    // The placeholder must be the value of /Contents ...
    std::size_t key_end = lt;
    while (key_end > 0 && is_pdf_whitespace(pdf[key_end - 1])) {
        --key_end;
    }
    static constexpr std::string_view k_contents = "/Contents";
    if (key_end < k_contents.size() ||
        !std::equal(k_contents.begin(), k_contents.end(),
                    pdf.begin() + static_cast<std::ptrdiff_t>(key_end - k_contents.size()))) {
        return bad("placeholder is not the /Contents value");
    }
    // ... and the /ByteRange written in the same dictionary must state the recorded range, since that text is
    // part of what gets signed.
    const std::size_t window_start = lt > k_byte_range_window ? lt - k_byte_range_window : 0;
    static constexpr std::string_view k_key = "/ByteRange";
    const std::size_t key = rfind_in(pdf, k_key, window_start, lt);
    if (key == std::string_view::npos) {
        return bad("no /ByteRange before the placeholder");
    }
    ByteRange written;
    if (!parse_byte_range_text(pdf, key + k_key.size(), lt, written) || !(written == r)) {
        return bad("the /ByteRange in the document differs from the recorded one");
    }
    return {};
}

Result<crypto::Digest> byte_range_digest(const PreparedPdf& prepared) {
    KV_TRY(check_prepared(prepared));
    const ByteRange& r = prepared.byte_range;
    crypto::Sha256 hash;
    hash.update(prepared.pdf.data() + r.start1, static_cast<std::size_t>(r.length1));
    hash.update(prepared.pdf.data() + r.start2, static_cast<std::size_t>(r.length2));
    return hash.finish();
}

Result<Bytes> inject_signature(const PreparedPdf& prepared, const Bytes& cms_der) {
    KV_TRY(check_prepared(prepared));
    if (cms_der.empty()) {
        return make_error(Errc::invalid_input, "signature is empty");
    }
    if (cms_der.size() > prepared.contents_length / 2) {
        return make_error(Errc::payload_too_large,
                          "signature of " + std::to_string(cms_der.size()) + " bytes does not fit the " +
                              std::to_string(prepared.contents_length / 2) + " bytes reserved");
    }
    static constexpr char k_digits[] = "0123456789ABCDEF";
    Bytes out = prepared.pdf;
    std::size_t pos = prepared.contents_offset;
    for (const std::uint8_t b : cms_der) {
        out[pos++] = static_cast<std::uint8_t>(k_digits[b >> 4]);
        out[pos++] = static_cast<std::uint8_t>(k_digits[b & 0x0F]);
    }
    return out;
}

} // namespace kinvault::pdf
