// Canonical JSON for audit entries comes from the one writer (json/writer.h): fixed key order, no
// whitespace, so an entry's bytes (and therefore its Merkle leaf) are reproducible by anyone who
// re-serialises the same fields. These names keep the services' spelling.
#pragma once

#include "json/writer.h"

namespace kinvault::services {

inline std::string json_quote(std::string_view text) {
    return json::quote(text);
}
using JsonObjectWriter = json::ObjectWriter;

} // namespace kinvault::services
