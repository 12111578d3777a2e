// The one UTF-8 decoder (RFC 3629). Every layer that reads or checks UTF-8 text uses it: the JSON reader,
// the PDF text layer, the signed-note checkpoint parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kinvault::utf8 {

// Decodes the sequence that starts at text[pos] strictly: no overlong forms, no surrogates (U+D800-DFFF),
// nothing above U+10FFFF, no truncated sequence. On success advances pos past it.
[[nodiscard]] std::optional<char32_t> next(std::string_view text, std::size_t& pos) noexcept;

// The whole text is UTF-8 by next()'s rules.
[[nodiscard]] bool valid(std::string_view text) noexcept;

// valid() and no NUL: what a value we carry in a record, a header or a PDF may hold (C APIs downstream
// would cut the text short at a NUL).
[[nodiscard]] bool valid_text(std::string_view text) noexcept;

// The whole text as code points, or nullopt if it is not valid().
[[nodiscard]] std::optional<std::u32string> decode(std::string_view text);

// Appends the UTF-8 form of a code point. Surrogates and values past U+10FFFF become U+FFFD.
void append(std::string& out, char32_t code_point);
[[nodiscard]] std::string encode(std::u32string_view text);

// At most max_bytes of text, cut at a code point boundary (for logging caller input).
[[nodiscard]] std::string_view prefix(std::string_view text, std::size_t max_bytes) noexcept;

} // namespace kinvault::utf8
