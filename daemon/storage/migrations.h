// Numbered schema migrations. Each runs once, in order, inside a transaction, and is recorded in
// schema_migrations. Never edit a released migration: add a new one.
#pragma once

#include <string>
#include <vector>

namespace kinvault::storage {

struct Migration {
    int version;
    const char* name;
    std::vector<std::string> statements;
};

[[nodiscard]] const std::vector<Migration>& sqlite_migrations();

} // namespace kinvault::storage
