// Minimal canonical JSON writing for audit entries: fixed key order, no whitespace, so an entry's bytes
// (and therefore its Merkle leaf) are reproducible by anyone who re-serialises the same fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kinvault::services {

[[nodiscard]] std::string json_quote(std::string_view text);

class JsonObjectWriter {
public:
    JsonObjectWriter& field(std::string_view key, std::string_view value);
    JsonObjectWriter& field(std::string_view key, std::int64_t value);
    JsonObjectWriter& raw(std::string_view key, std::string_view json);
    [[nodiscard]] std::string str() const { return m_out + "}"; }

private:
    std::string m_out{"{"};
    bool m_first{true};
    void key(std::string_view k);
};

} // namespace kinvault::services
