#include "storage/migrations.h"
#include "storage/store.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace kinvault::storage {

namespace {

using Poco::Data::Session;
using Poco::Data::Statement;

Poco::Data::BLOB to_blob(const Bytes& b) {
    return Poco::Data::BLOB(b.data(), b.size());
}

// Poco::Data owns the connections, the pool and the transactions. Statements go to SQLite's own API: Poco's
// Statement compiles its SQL again on every execution and hands each value over as a Dynamic::Var looked up
// by name, which together cost more than the lookups themselves (about 20 us per query; a download makes
// nine). Here each connection keeps its statements prepared, and a result is copied out into plain cells.
struct Cell {
    int type{SQLITE_NULL};
    std::int64_t integer{0};
    double real{0};
    std::string bytes; // TEXT or BLOB
};

class Rows {
public:
    std::size_t rowCount() const { return m_names.empty() ? 0 : m_cells.size() / m_names.size(); }
    const Cell& at(std::size_t row, const std::string& col) const {
        for (std::size_t c = 0; c < m_names.size(); ++c) {
            if (m_names[c] == col) {
                return m_cells.at(row * m_names.size() + c);
            }
        }
        throw Poco::NotFoundException("no column " + col + " in the result");
    }

private:
    friend class StatementCache;
    std::vector<std::string> m_names;
    std::vector<Cell> m_cells;
};

std::string str(const Rows& rs, std::size_t row, const std::string& col) {
    const Cell& c = rs.at(row, col);
    switch (c.type) {
    case SQLITE_NULL:
        return {};
    case SQLITE_INTEGER:
        return std::to_string(c.integer);
    case SQLITE_FLOAT:
        return std::to_string(c.real);
    default:
        return c.bytes;
    }
}

std::int64_t i64(const Rows& rs, std::size_t row, const std::string& col) {
    const Cell& c = rs.at(row, col);
    switch (c.type) {
    case SQLITE_NULL:
        return 0;
    case SQLITE_INTEGER:
        return c.integer;
    case SQLITE_FLOAT:
        return static_cast<std::int64_t>(c.real);
    default:
        try {
            std::size_t used = 0;
            const long long v = std::stoll(c.bytes, &used);
            if (used != c.bytes.size()) {
                throw std::invalid_argument("trailing characters");
            }
            return v;
        } catch (const std::exception&) {
            throw Poco::SyntaxException("column " + col + " does not hold a number");
        }
    }
}

Bytes blob(const Rows& rs, std::size_t row, const std::string& col) {
    const Cell& c = rs.at(row, col);
    if (c.type == SQLITE_BLOB || c.type == SQLITE_TEXT) {
        return Bytes(c.bytes.begin(), c.bytes.end());
    }
    if (c.type == SQLITE_NULL) {
        return {};
    }
    const std::string s = str(rs, row, col);
    return Bytes(s.begin(), s.end());
}

// Parameters, bound for the duration of one execution (the values outlive it: SQLITE_STATIC).
void bind_one(sqlite3_stmt* st, int i, const std::string& v) {
    sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bind_one(sqlite3_stmt* st, int i, Poco::Int64 v) {
    sqlite3_bind_int64(st, i, v);
}
void bind_one(sqlite3_stmt* st, int i, const Poco::Data::BLOB& v) {
    sqlite3_bind_blob(st, i, v.rawContent(), static_cast<int>(v.size()), SQLITE_STATIC);
}

[[noreturn]] void throw_sqlite(sqlite3* db, int rc, const std::string& sql) {
    const std::string msg = std::string(sqlite3_errmsg(db)) + " (" + sql.substr(0, 60) + ")";
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        throw Poco::Data::SQLite::ConstraintViolationException(msg);
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
        throw Poco::Data::SQLite::DBLockedException(msg);
    }
    throw Poco::Data::DataException(msg);
}

// Prepared statements per connection. A connection is used by one thread at a time (the pool hands it out),
// so only finding its table needs the lock. The pool never closes a connection before the store's
// destructor, which finalizes every statement first (SQLite refuses to close a connection that has any).
class StatementCache {
public:
    StatementCache() = default;
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;
    ~StatementCache() { finalize_all(); }

    template <typename... Args>
    Rows run(Session& s, const std::string& sql, bool want_rows, const Args&... args) {
        return run_with(s, sql, want_rows, [&](sqlite3_stmt* st) {
            [[maybe_unused]] int i = 0;
            (bind_one(st, ++i, args), ...);
            (void)st;
        });
    }

    template <typename Bind>
    Rows run_with(Session& s, const std::string& sql, bool want_rows, Bind&& bind) {
        sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(s);
        sqlite3_stmt* st = statement(db, sql);
        // Reset whatever happens: a statement left mid-way would hold its read transaction open.
        struct Reset {
            sqlite3_stmt* st;
            ~Reset() {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
            }
        } reset{st};
        bind(st);
        Rows rows;
        const int cols = sqlite3_column_count(st);
        if (want_rows) {
            rows.m_names.reserve(static_cast<std::size_t>(cols));
            for (int c = 0; c < cols; ++c) {
                const char* name = sqlite3_column_name(st, c);
                rows.m_names.emplace_back(name != nullptr ? name : "");
            }
        }
        while (true) {
            const int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE) {
                break;
            }
            if (rc != SQLITE_ROW) {
                throw_sqlite(db, rc, sql);
            }
            if (!want_rows) {
                continue;
            }
            for (int c = 0; c < cols; ++c) {
                Cell cell;
                cell.type = sqlite3_column_type(st, c);
                switch (cell.type) {
                case SQLITE_INTEGER:
                    cell.integer = sqlite3_column_int64(st, c);
                    break;
                case SQLITE_FLOAT:
                    cell.real = sqlite3_column_double(st, c);
                    break;
                case SQLITE_TEXT: {
                    const unsigned char* t = sqlite3_column_text(st, c);
                    cell.bytes.assign(reinterpret_cast<const char*>(t),
                                      static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
                    break;
                }
                case SQLITE_BLOB: {
                    const void* b = sqlite3_column_blob(st, c);
                    const int n = sqlite3_column_bytes(st, c);
                    if (b != nullptr && n > 0) {
                        cell.bytes.assign(static_cast<const char*>(b), static_cast<std::size_t>(n));
                    }
                    break;
                }
                default:
                    break;
                }
                rows.m_cells.push_back(std::move(cell));
            }
        }
        return rows;
    }

    void finalize_all() {
        std::lock_guard<std::mutex> lock(m_mutex);
        for (auto& [db, stmts] : m_by_db) {
            for (auto& [sql, st] : stmts) {
                sqlite3_finalize(st);
            }
        }
        m_by_db.clear();
    }

private:
    // Dynamic SQL (an IN list per count) could grow a table without bound; past this it starts again.
    static constexpr std::size_t k_max_per_connection = 256;

    sqlite3_stmt* statement(sqlite3* db, const std::string& sql) {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto& stmts = m_by_db[db];
        if (auto it = stmts.find(sql); it != stmts.end()) {
            return it->second;
        }
        if (stmts.size() >= k_max_per_connection) {
            // Safe: no statement of this connection is running, since its one user is here.
            for (auto& [text, st] : stmts) {
                sqlite3_finalize(st);
            }
            stmts.clear();
        }
        sqlite3_stmt* st = nullptr;
        const char* tail = nullptr;
        const int rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size() + 1),
                                          SQLITE_PREPARE_PERSISTENT, &st, &tail);
        if (rc != SQLITE_OK || st == nullptr) {
            sqlite3_finalize(st);
            throw_sqlite(db, rc == SQLITE_OK ? SQLITE_ERROR : rc, sql);
        }
        if (tail != nullptr && std::strspn(tail, " \t\r\n;") != std::strlen(tail)) {
            sqlite3_finalize(st);
            throw Poco::Data::DataException("one statement at a time: " + sql.substr(0, 60));
        }
        stmts.emplace(sql, st);
        return st;
    }

    std::mutex m_mutex;
    std::unordered_map<sqlite3*, std::unordered_map<std::string, sqlite3_stmt*>> m_by_db;
};

Error db_error(const char* what, const Poco::Exception& e) {
    if (dynamic_cast<const Poco::Data::SQLite::ConstraintViolationException*>(&e) != nullptr) {
        return make_error(Errc::conflict, std::string(what) + ": already exists or violates a constraint (" +
                                              e.displayText() + ")");
    }
    return make_error(Errc::unavailable, std::string(what) + ": database error: " + e.displayText());
}

// `p`: the prefix of the user's columns when they come from a join.
UserRecord user_columns(const Rows& rs, std::size_t r, const std::string& p) {
    UserRecord u;
    u.id = str(rs, r, p + "id");
    u.kind = str(rs, r, p + "kind");
    u.email_index = str(rs, r, p + "email_index");
    u.email_sealed = blob(rs, r, p + "email_sealed");
    u.name_sealed = blob(rs, r, p + "name_sealed");
    u.password_hash = str(rs, r, p + "password_hash");
    u.totp_sealed = blob(rs, r, p + "totp_sealed");
    u.totp_last_step = i64(rs, r, p + "totp_last_step");
    u.created_at = i64(rs, r, p + "created_at");
    u.disabled = i64(rs, r, p + "disabled") != 0;
    return u;
}

UserRecord user_from(const Rows& rs, std::size_t r) {
    return user_columns(rs, r, "");
}

SessionRecord session_from(const Rows& rs, std::size_t r) {
    SessionRecord s;
    s.token_hash = str(rs, r, "token_hash");
    s.user_id = str(rs, r, "user_id");
    s.csrf_hash = str(rs, r, "csrf_hash");
    s.auth_method = str(rs, r, "auth_method");
    s.client_address = str(rs, r, "client_address");
    s.created_at = i64(rs, r, "created_at");
    s.last_seen = i64(rs, r, "last_seen");
    s.expires_at = i64(rs, r, "expires_at");
    return s;
}

CaseRecord case_from(const Rows& rs, std::size_t r) {
    CaseRecord c;
    c.id = str(rs, r, "id");
    c.name_sealed = blob(rs, r, "name_sealed");
    c.mode = str(rs, r, "mode");
    c.created_by = str(rs, r, "created_by");
    c.created_at = i64(rs, r, "created_at");
    c.status = str(rs, r, "status");
    return c;
}

PartyRecord party_from(const Rows& rs, std::size_t r) {
    PartyRecord p;
    p.id = str(rs, r, "id");
    p.case_id = str(rs, r, "case_id");
    p.role = str(rs, r, "role");
    p.name_sealed = blob(rs, r, "name_sealed");
    p.email_sealed = blob(rs, r, "email_sealed");
    p.email_index = str(rs, r, "email_index");
    p.represents = str(rs, r, "represents");
    p.user_id = str(rs, r, "user_id");
    p.status = str(rs, r, "status");
    p.date_of_birth = str(rs, r, "date_of_birth");
    p.created_at = i64(rs, r, "created_at");
    return p;
}

DocumentRecord document_from(const Rows& rs, std::size_t r) {
    DocumentRecord d;
    d.id = str(rs, r, "id");
    d.case_id = str(rs, r, "case_id");
    d.type = str(rs, r, "type");
    d.created_by = str(rs, r, "created_by");
    d.created_by_party = str(rs, r, "created_by_party");
    d.created_at = i64(rs, r, "created_at");
    d.current_version = i64(rs, r, "current_version");
    d.state = str(rs, r, "state");
    d.category = str(rs, r, "category");
    d.sensitivity = str(rs, r, "sensitivity");
    return d;
}

VersionRecord version_from(const Rows& rs, std::size_t r) {
    VersionRecord v;
    v.document_id = str(rs, r, "document_id");
    v.version = i64(rs, r, "version");
    v.blob_id = str(rs, r, "blob_id");
    v.size = i64(rs, r, "size");
    v.sha256 = str(rs, r, "sha256");
    v.pages = i64(rs, r, "pages");
    v.uploaded_by = str(rs, r, "uploaded_by");
    v.uploaded_at = i64(rs, r, "uploaded_at");
    v.title_sealed = blob(rs, r, "title_sealed");
    v.filename_sealed = blob(rs, r, "filename_sealed");
    v.kek_version = static_cast<std::uint32_t>(i64(rs, r, "kek_version"));
    v.wrapped_key = blob(rs, r, "wrapped_key");
    v.ciphertext_mac = blob(rs, r, "ciphertext_mac");
    return v;
}

SealedRecord record_from(const Rows& rs, std::size_t r) {
    SealedRecord x;
    x.kind = str(rs, r, "kind");
    x.id = str(rs, r, "id");
    x.case_id = str(rs, r, "case_id");
    x.document_id = str(rs, r, "document_id");
    x.state = str(rs, r, "state");
    x.updated_at = i64(rs, r, "updated_at");
    x.sealed = blob(rs, r, "sealed");
    return x;
}

OutboxRecord outbox_from(const Rows& rs, std::size_t r) {
    OutboxRecord m;
    m.id = str(rs, r, "id");
    m.kind = str(rs, r, "kind");
    m.case_id = str(rs, r, "case_id");
    m.sealed = blob(rs, r, "sealed");
    m.state = str(rs, r, "state");
    m.created_at = i64(rs, r, "created_at");
    m.send_after = i64(rs, r, "send_after");
    m.attempts = i64(rs, r, "attempts");
    m.sent_at = i64(rs, r, "sent_at");
    m.last_error = str(rs, r, "last_error");
    return m;
}

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const SqliteOptions& options)
        : m_options(options), m_writer("SQLite", options.path),
          m_pool("SQLite", options.path, std::max(1, options.read_connections),
                 std::max(1, options.read_connections), 300),
          m_free_slots(std::max(1, options.read_connections)) {}

    Status init() {
        try {
            m_writer.setConnectionTimeout(static_cast<std::size_t>(m_options.busy_timeout_seconds));
            // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable before we
            // acknowledge it (security.md "Durability"); secure_delete overwrites freed pages so a shredded
            // key does not linger in the file.
            exec_raw("PRAGMA journal_mode=WAL");
            exec_raw("PRAGMA synchronous=FULL");
            exec_raw("PRAGMA foreign_keys=ON");
            exec_raw("PRAGMA secure_delete=ON");
            // Checkpoint every 128 pages (512 KiB) instead of SQLite's 1000, so the WAL soon stops growing
            // and each commit overwrites frames in place. On ext4 an fdatasync after an in-place write
            // flushes only data; one that extends the file must also write the inode, a second round trip to
            // the disk. Every read of a document waits for such a commit (its audit entry), so this is on the
            // download path.
            exec_raw("PRAGMA wal_autocheckpoint=128");
            return migrate();
        } catch (const Poco::Exception& e) {
            return db_error("opening the database", e);
        }
    }

    Status transaction(const std::function<Status()>& work,
                       const std::function<void()>& after_commit) override {
        if (t_in_tx == this) {
            // Nested: join the outer transaction.
            KV_TRY(work());
            if (after_commit) {
                m_nested_after.push_back(after_commit);
            }
            return {};
        }
        std::lock_guard<std::recursive_mutex> lock(m_write_mutex);
        t_in_tx = this;
        m_nested_after.clear();
        Status result;
        try {
            m_writer.begin();
            result = work();
            if (result) {
                m_writer.commit();
            } else {
                m_writer.rollback();
            }
        } catch (const Poco::Exception& e) {
            try {
                m_writer.rollback();
            } catch (const Poco::Exception&) {
                // The connection is already out of the transaction.
            }
            result = db_error("transaction", e);
        }
        t_in_tx = nullptr;
        if (result) {
            for (const auto& fn : m_nested_after) {
                fn();
            }
            if (after_commit) {
                after_commit();
            }
        }
        m_nested_after.clear();
        return result;
    }

    Status snapshot(const std::function<Status()>& work) override {
        if (t_in_tx == this || t_snapshot_of == this) {
            return work();
        }
        Status result;
        try {
            Lease lease(*this);
            Session& s = lease.session();
            s.begin();
            t_snapshot_of = this;
            t_snapshot = &s;
            struct Leave {
                ~Leave() {
                    t_snapshot_of = nullptr;
                    t_snapshot = nullptr;
                }
            } leave;
            try {
                result = work();
            } catch (...) {
                s.rollback();
                throw;
            }
            s.commit(); // ends the read transaction; nothing was written
        } catch (const Poco::Exception& e) {
            return db_error("reading a consistent snapshot", e);
        }
        return result;
    }

    // --- settings and sealed secrets
    Result<std::optional<std::string>> setting(const std::string& key) override {
        return read("reading a setting", [&](Session& s) -> std::optional<std::string> {
            Rows rs = select(s, "SELECT value FROM settings WHERE key = ?", key);
            if (rs.rowCount() == 0) {
                return std::nullopt;
            }
            return str(rs, 0, "value");
        });
    }
    Status put_setting(const std::string& key, const std::string& value) override {
        return write("saving a setting", [&](Session& s) {
            exec(s, "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", key, value);
        });
    }
    Result<std::optional<Bytes>> sealed_secret(const std::string& name) override {
        return read("reading a sealed secret", [&](Session& s) -> std::optional<Bytes> {
            Rows rs = select(s, "SELECT value FROM sealed_secrets WHERE name = ?", name);
            if (rs.rowCount() == 0) {
                return std::nullopt;
            }
            return blob(rs, 0, "value");
        });
    }
    Status put_sealed_secret(const std::string& name, const Bytes& value) override {
        return write("saving a sealed secret", [&](Session& s) {
            exec(s, "INSERT OR REPLACE INTO sealed_secrets(name, value) VALUES (?, ?)", name, to_blob(value));
        });
    }

    // --- users
    Status insert_user(const UserRecord& u) override {
        return write("creating an account", [&](Session& s) {
            exec(s,
                 "INSERT INTO users(id, kind, email_index, email_sealed, name_sealed, password_hash, "
                 "totp_sealed,"
                 " totp_last_step, created_at, disabled) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 u.id, u.kind, u.email_index, to_blob(u.email_sealed), to_blob(u.name_sealed),
                 u.password_hash, to_blob(u.totp_sealed), static_cast<Poco::Int64>(u.totp_last_step),
                 static_cast<Poco::Int64>(u.created_at), static_cast<Poco::Int64>(u.disabled ? 1 : 0));
        });
    }
    Status update_user(const UserRecord& u) override {
        return write("updating an account", [&](Session& s) {
            exec(s,
                 "UPDATE users SET kind = ?, email_index = ?, email_sealed = ?, name_sealed = ?, "
                 "password_hash = ?,"
                 " totp_sealed = ?, totp_last_step = ?, disabled = ? WHERE id = ?",
                 u.kind, u.email_index, to_blob(u.email_sealed), to_blob(u.name_sealed), u.password_hash,
                 to_blob(u.totp_sealed), static_cast<Poco::Int64>(u.totp_last_step),
                 static_cast<Poco::Int64>(u.disabled ? 1 : 0), u.id);
        });
    }
    Result<std::optional<UserRecord>> user_by_id(const std::string& id) override {
        return one<UserRecord>("reading an account", "SELECT * FROM users WHERE id = ?", user_from, id);
    }
    Result<std::optional<UserRecord>> user_by_email_index(const std::string& index) override {
        return one<UserRecord>("reading an account", "SELECT * FROM users WHERE email_index = ?", user_from,
                               index);
    }
    // --- sessions
    Status insert_session(const SessionRecord& r) override {
        return write("creating a session", [&](Session& s) {
            exec(s,
                 "INSERT INTO sessions(token_hash, user_id, csrf_hash, auth_method, client_address, "
                 "created_at,"
                 " last_seen, expires_at) VALUES (?,?,?,?,?,?,?,?)",
                 r.token_hash, r.user_id, r.csrf_hash, r.auth_method, r.client_address,
                 static_cast<Poco::Int64>(r.created_at), static_cast<Poco::Int64>(r.last_seen),
                 static_cast<Poco::Int64>(r.expires_at));
        });
    }
    Result<std::optional<SessionRecord>> session_by_hash(const std::string& token_hash) override {
        return one<SessionRecord>("reading a session", "SELECT * FROM sessions WHERE token_hash = ?",
                                  session_from, token_hash);
    }
    Result<std::optional<SessionWithUser>> session_with_user(const std::string& token_hash) override {
        return one<SessionWithUser>(
            "reading a session",
            "SELECT s.token_hash, s.user_id, s.csrf_hash, s.auth_method, s.client_address, s.created_at,"
            " s.last_seen, s.expires_at,"
            " u.id AS u_id, u.kind AS u_kind, u.email_index AS u_email_index,"
            " u.email_sealed AS u_email_sealed, u.name_sealed AS u_name_sealed,"
            " u.password_hash AS u_password_hash, u.totp_sealed AS u_totp_sealed,"
            " u.totp_last_step AS u_totp_last_step, u.created_at AS u_created_at, u.disabled AS u_disabled"
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
            [](const Rows& rs, std::size_t r) {
                return SessionWithUser{session_from(rs, r), user_columns(rs, r, "u_")};
            },
            token_hash);
    }
    Status touch_session(const std::string& token_hash, UnixTime last_seen) override {
        return write("updating a session", [&](Session& s) {
            exec(s, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
                 static_cast<Poco::Int64>(last_seen), token_hash);
        });
    }
    Status delete_session(const std::string& token_hash) override {
        return write("ending a session",
                     [&](Session& s) { exec(s, "DELETE FROM sessions WHERE token_hash = ?", token_hash); });
    }
    Status delete_expired_sessions(UnixTime now, std::int64_t idle_seconds) override {
        return write("removing expired sessions", [&](Session& s) {
            exec(s, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?",
                 static_cast<Poco::Int64>(now), static_cast<Poco::Int64>(now - idle_seconds));
        });
    }

    Status record_login_failure(const LoginFailure& f) override {
        return write("recording a failed login", [&](Session& s) {
            exec(s, "INSERT INTO login_failures(key, at) VALUES (?, ?)", f.key,
                 static_cast<Poco::Int64>(f.at));
        });
    }
    Result<std::int64_t> count_login_failures(const std::string& key, UnixTime since) override {
        return read("counting failed logins", [&](Session& s) -> std::int64_t {
            Rows rs = select(s, "SELECT COUNT(*) AS n FROM login_failures WHERE key = ? AND at >= ?", key,
                             static_cast<Poco::Int64>(since));
            return i64(rs, 0, "n");
        });
    }
    Result<UnixTime> last_login_failure(const std::string& key) override {
        return read("reading failed logins", [&](Session& s) -> UnixTime {
            Rows rs = select(s, "SELECT COALESCE(MAX(at), 0) AS t FROM login_failures WHERE key = ?", key);
            return i64(rs, 0, "t");
        });
    }
    Status clear_login_failures(const std::string& key) override {
        return write("clearing failed logins",
                     [&](Session& s) { exec(s, "DELETE FROM login_failures WHERE key = ?", key); });
    }

    // --- cases
    Status insert_case(const CaseRecord& c) override {
        return write("creating a case", [&](Session& s) {
            exec(s,
                 "INSERT INTO cases(id, name_sealed, mode, created_by, created_at, status) VALUES "
                 "(?,?,?,?,?,?)",
                 c.id, to_blob(c.name_sealed), c.mode, c.created_by, static_cast<Poco::Int64>(c.created_at),
                 c.status);
        });
    }
    Status update_case(const CaseRecord& c) override {
        return write("updating a case", [&](Session& s) {
            exec(s, "UPDATE cases SET name_sealed = ?, mode = ?, status = ? WHERE id = ?",
                 to_blob(c.name_sealed), c.mode, c.status, c.id);
        });
    }
    Result<std::optional<CaseRecord>> case_by_id(const std::string& id) override {
        return one<CaseRecord>("reading a case", "SELECT * FROM cases WHERE id = ?", case_from, id);
    }

    // --- parties
    Status insert_party(const PartyRecord& p) override {
        return write("adding a party", [&](Session& s) {
            exec(s,
                 "INSERT INTO parties(id, case_id, role, name_sealed, email_sealed, email_index, represents, "
                 "user_id,"
                 " status, date_of_birth, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                 p.id, p.case_id, p.role, to_blob(p.name_sealed), to_blob(p.email_sealed), p.email_index,
                 p.represents, p.user_id, p.status, p.date_of_birth, static_cast<Poco::Int64>(p.created_at));
        });
    }
    Status update_party(const PartyRecord& p) override {
        return write("updating a party", [&](Session& s) {
            exec(s,
                 "UPDATE parties SET role = ?, name_sealed = ?, email_sealed = ?, email_index = ?, "
                 "represents = ?,"
                 " user_id = ?, status = ?, date_of_birth = ? WHERE id = ?",
                 p.role, to_blob(p.name_sealed), to_blob(p.email_sealed), p.email_index, p.represents,
                 p.user_id, p.status, p.date_of_birth, p.id);
        });
    }
    Result<std::optional<PartyRecord>> party_by_id(const std::string& id) override {
        return one<PartyRecord>("reading a party", "SELECT * FROM parties WHERE id = ?", party_from, id);
    }
    Result<std::vector<PartyRecord>> parties_of_case(const std::string& case_id) override {
        return many<PartyRecord>("listing parties",
                                 "SELECT * FROM parties WHERE case_id = ? ORDER BY created_at, id",
                                 party_from, case_id);
    }
    Result<std::vector<PartyRecord>> parties_of_user(const std::string& user_id) override {
        return many<PartyRecord>("listing parties",
                                 "SELECT * FROM parties WHERE user_id = ? ORDER BY created_at, id",
                                 party_from, user_id);
    }

    // --- invitations
    Status insert_invitation(const InvitationRecord& i) override {
        return write("creating an invitation", [&](Session& s) {
            exec(s,
                 "INSERT INTO invitations(token_hash, party_id, case_id, created_by, created_at, expires_at, "
                 "used_at)"
                 " VALUES (?,?,?,?,?,?,?)",
                 i.token_hash, i.party_id, i.case_id, i.created_by, static_cast<Poco::Int64>(i.created_at),
                 static_cast<Poco::Int64>(i.expires_at), static_cast<Poco::Int64>(i.used_at));
        });
    }
    Result<std::optional<InvitationRecord>> invitation_by_hash(const std::string& token_hash) override {
        return one<InvitationRecord>(
            "reading an invitation", "SELECT * FROM invitations WHERE token_hash = ?",
            [](const Rows& rs, std::size_t r) {
                InvitationRecord i;
                i.token_hash = str(rs, r, "token_hash");
                i.party_id = str(rs, r, "party_id");
                i.case_id = str(rs, r, "case_id");
                i.created_by = str(rs, r, "created_by");
                i.created_at = i64(rs, r, "created_at");
                i.expires_at = i64(rs, r, "expires_at");
                i.used_at = i64(rs, r, "used_at");
                return i;
            },
            token_hash);
    }
    Status mark_invitation_used(const std::string& token_hash, UnixTime at) override {
        return write("using an invitation", [&](Session& s) {
            exec(s, "UPDATE invitations SET used_at = ? WHERE token_hash = ?", static_cast<Poco::Int64>(at),
                 token_hash);
        });
    }

    Status revoke_invitations_of_party(const std::string& party_id, UnixTime at) override {
        return write("revoking invitations", [&](Session& s) {
            exec(s, "UPDATE invitations SET used_at = ? WHERE party_id = ? AND used_at = 0",
                 static_cast<Poco::Int64>(at), party_id);
        });
    }

    // --- documents
    Status insert_document(const DocumentRecord& d) override {
        return write("creating a document", [&](Session& s) {
            exec(s,
                 "INSERT INTO documents(id, case_id, type, created_by, created_by_party, created_at, "
                 "current_version,"
                 " state, category, sensitivity) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 d.id, d.case_id, d.type, d.created_by, d.created_by_party,
                 static_cast<Poco::Int64>(d.created_at), static_cast<Poco::Int64>(d.current_version), d.state,
                 d.category, d.sensitivity);
        });
    }
    Status update_document(const DocumentRecord& d) override {
        return write("updating a document", [&](Session& s) {
            exec(s,
                 "UPDATE documents SET current_version = ?, state = ?, category = ?, sensitivity = ? WHERE "
                 "id = ?",
                 static_cast<Poco::Int64>(d.current_version), d.state, d.category, d.sensitivity, d.id);
        });
    }
    Result<std::optional<DocumentRecord>> document_by_id(const std::string& id) override {
        return one<DocumentRecord>("reading a document", "SELECT * FROM documents WHERE id = ?",
                                   document_from, id);
    }
    Result<std::vector<DocumentRecord>> documents_of_case(const std::string& case_id) override {
        return many<DocumentRecord>("listing documents",
                                    "SELECT * FROM documents WHERE case_id = ? ORDER BY created_at, id",
                                    document_from, case_id);
    }
    Status insert_version(const VersionRecord& v) override {
        return write("storing a document version", [&](Session& s) {
            exec(s,
                 "INSERT INTO document_versions(document_id, version, blob_id, size, sha256, pages, "
                 "uploaded_by,"
                 " uploaded_at, title_sealed, filename_sealed, kek_version, wrapped_key, ciphertext_mac)"
                 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                 v.document_id, static_cast<Poco::Int64>(v.version), v.blob_id,
                 static_cast<Poco::Int64>(v.size), v.sha256, static_cast<Poco::Int64>(v.pages), v.uploaded_by,
                 static_cast<Poco::Int64>(v.uploaded_at), to_blob(v.title_sealed), to_blob(v.filename_sealed),
                 static_cast<Poco::Int64>(v.kek_version), to_blob(v.wrapped_key), to_blob(v.ciphertext_mac));
        });
    }
    Status set_version_mac(const std::string& document_id, std::int64_t version, const Bytes& mac) override {
        return write("recording a document version's ciphertext tag", [&](Session& s) {
            exec(s,
                 "UPDATE document_versions SET ciphertext_mac = ? WHERE document_id = ? AND version = ?"
                 " AND (ciphertext_mac IS NULL OR length(ciphertext_mac) = 0)",
                 to_blob(mac), document_id, static_cast<Poco::Int64>(version));
        });
    }
    Result<std::optional<VersionRecord>> version_of(const std::string& document_id,
                                                    std::int64_t version) override {
        return one<VersionRecord>("reading a document version",
                                  "SELECT * FROM document_versions WHERE document_id = ? AND version = ?",
                                  version_from, document_id, static_cast<Poco::Int64>(version));
    }
    Result<std::vector<VersionRecord>> versions_of(const std::string& document_id) override {
        return many<VersionRecord>("listing document versions",
                                   "SELECT * FROM document_versions WHERE document_id = ? ORDER BY version",
                                   version_from, document_id);
    }
    Result<std::vector<std::string>> all_blob_ids() override {
        return read("listing blobs", [&](Session& s) {
            Rows rs = select(s, "SELECT blob_id FROM document_versions");
            std::vector<std::string> out;
            out.reserve(rs.rowCount());
            for (std::size_t r = 0; r < rs.rowCount(); ++r) {
                out.push_back(str(rs, r, "blob_id"));
            }
            return out;
        });
    }

    // --- sealed workflow records
    Status put_record(const SealedRecord& r) override {
        return write("saving a record", [&](Session& s) {
            exec(s,
                 "INSERT OR REPLACE INTO records(kind, id, case_id, document_id, state, updated_at, sealed)"
                 " VALUES (?,?,?,?,?,?,?)",
                 r.kind, r.id, r.case_id, r.document_id, r.state, static_cast<Poco::Int64>(r.updated_at),
                 to_blob(r.sealed));
        });
    }
    Result<std::optional<SealedRecord>> record(const std::string& kind, const std::string& id) override {
        return one<SealedRecord>("reading a record", "SELECT * FROM records WHERE kind = ? AND id = ?",
                                 record_from, kind, id);
    }
    Result<std::vector<SealedRecord>> records_of_case_kinds(const std::string& case_id,
                                                            const std::vector<std::string>& kinds) override {
        if (kinds.empty()) {
            return std::vector<SealedRecord>{};
        }
        // One statement served by the (kind, case_id) index: a seek per kind.
        std::string sql = "SELECT * FROM records WHERE case_id = ? AND kind IN (";
        for (std::size_t i = 0; i < kinds.size(); ++i) {
            sql += i == 0 ? "?" : ",?";
        }
        sql += ") ORDER BY kind, updated_at, id";
        return read("listing a case's records", [&](Session& s) {
            Rows rs = m_statements.run_with(s, sql, true, [&](sqlite3_stmt* st) {
                bind_one(st, 1, case_id);
                int i = 1;
                for (const auto& k : kinds) {
                    bind_one(st, ++i, k);
                }
            });
            std::vector<SealedRecord> out;
            out.reserve(rs.rowCount());
            for (std::size_t r = 0; r < rs.rowCount(); ++r) {
                out.push_back(record_from(rs, r));
            }
            return out;
        });
    }
    Result<std::vector<SealedRecord>> records_of_case(const std::string& kind,
                                                      const std::string& case_id) override {
        return many<SealedRecord>(
            "listing records", "SELECT * FROM records WHERE kind = ? AND case_id = ? ORDER BY updated_at, id",
            record_from, kind, case_id);
    }
    Result<std::vector<SealedRecord>> records_of_document(const std::string& kind,
                                                          const std::string& document_id) override {
        return many<SealedRecord>(
            "listing records",
            "SELECT * FROM records WHERE kind = ? AND document_id = ? ORDER BY updated_at, id", record_from,
            kind, document_id);
    }
    Result<std::vector<SealedRecord>> records_in_state(const std::string& kind,
                                                       const std::string& state) override {
        return many<SealedRecord>(
            "listing records", "SELECT * FROM records WHERE kind = ? AND state = ? ORDER BY updated_at, id",
            record_from, kind, state);
    }

    // --- disclosures
    Status insert_disclosure(const DisclosureRecord& d) override {
        return write("recording a disclosure", [&](Session& s) {
            exec(s,
                 "INSERT INTO disclosures(id, case_id, document_id, version, recipient_user, "
                 "recipient_party, at, rule,"
                 " basis, purpose) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 d.id, d.case_id, d.document_id, static_cast<Poco::Int64>(d.version), d.recipient_user,
                 d.recipient_party, static_cast<Poco::Int64>(d.at), d.rule, d.basis, d.purpose);
        });
    }
    Result<std::vector<DisclosureRecord>> disclosures_of_case(const std::string& case_id) override {
        return many<DisclosureRecord>(
            "listing disclosures", "SELECT * FROM disclosures WHERE case_id = ? ORDER BY at, id",
            [](const Rows& rs, std::size_t r) {
                DisclosureRecord d;
                d.id = str(rs, r, "id");
                d.case_id = str(rs, r, "case_id");
                d.document_id = str(rs, r, "document_id");
                d.version = i64(rs, r, "version");
                d.recipient_user = str(rs, r, "recipient_user");
                d.recipient_party = str(rs, r, "recipient_party");
                d.at = i64(rs, r, "at");
                d.rule = str(rs, r, "rule");
                d.basis = str(rs, r, "basis");
                d.purpose = str(rs, r, "purpose");
                return d;
            },
            case_id);
    }

    // --- outbox
    Status put_outbox(const OutboxRecord& m) override {
        return write("queueing a notification", [&](Session& s) {
            exec(s,
                 "INSERT OR REPLACE INTO outbox(id, kind, case_id, sealed, state, created_at, send_after, "
                 "attempts,"
                 " sent_at, last_error) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 m.id, m.kind, m.case_id, to_blob(m.sealed), m.state, static_cast<Poco::Int64>(m.created_at),
                 static_cast<Poco::Int64>(m.send_after), static_cast<Poco::Int64>(m.attempts),
                 static_cast<Poco::Int64>(m.sent_at), m.last_error);
        });
    }
    Result<std::vector<OutboxRecord>> due_outbox(UnixTime now, int limit) override {
        return many<OutboxRecord>("reading the outbox",
                                  "SELECT * FROM outbox WHERE state = 'pending' AND send_after <= ?"
                                  " ORDER BY send_after, id LIMIT ?",
                                  outbox_from, static_cast<Poco::Int64>(now),
                                  static_cast<Poco::Int64>(limit));
    }
    Result<std::vector<OutboxRecord>> outbox_of_case(const std::string& case_id) override {
        return many<OutboxRecord>("reading the outbox",
                                  "SELECT * FROM outbox WHERE case_id = ? ORDER BY created_at, id",
                                  outbox_from, case_id);
    }

    // --- audit
    Result<std::int64_t> append_audit(const std::string& entry, const Bytes& leaf_hash) override {
        std::int64_t seq = -1;
        KV_TRY(write("appending to the audit log", [&](Session& s) {
            Rows rs = select(s, "SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM audit_log");
            seq = i64(rs, 0, "next");
            exec(s, "INSERT INTO audit_log(seq, entry, leaf_hash) VALUES (?, ?, ?)",
                 static_cast<Poco::Int64>(seq), entry, to_blob(leaf_hash));
        }));
        return seq;
    }
    Result<std::vector<AuditRecord>> audit_range(std::int64_t from, std::int64_t count) override {
        return many<AuditRecord>(
            "reading the audit log", "SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
            [](const Rows& rs, std::size_t r) {
                AuditRecord a;
                a.seq = i64(rs, r, "seq");
                a.entry = str(rs, r, "entry");
                a.leaf_hash = blob(rs, r, "leaf_hash");
                return a;
            },
            static_cast<Poco::Int64>(from), static_cast<Poco::Int64>(count));
    }
    Result<std::int64_t> audit_size() override {
        return read("reading the audit log", [&](Session& s) -> std::int64_t {
            Rows rs = select(s, "SELECT COUNT(*) AS n FROM audit_log");
            return i64(rs, 0, "n");
        });
    }
    Status for_each_audit_leaf(const std::function<void(std::int64_t, const Bytes&)>& fn) override {
        KV_TRY(read("reading the audit log", [&](Session& s) {
            std::int64_t from = 0;
            constexpr std::int64_t page = 50000;
            while (true) {
                Rows rs =
                    select(s, "SELECT seq, leaf_hash FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
                           static_cast<Poco::Int64>(from), static_cast<Poco::Int64>(page));
                const std::size_t rows = rs.rowCount();
                for (std::size_t r = 0; r < rows; ++r) {
                    fn(i64(rs, r, "seq"), blob(rs, r, "leaf_hash"));
                }
                if (rows < static_cast<std::size_t>(page)) {
                    return true;
                }
                from += page;
            }
        }));
        return {};
    }

    Result<std::string> integrity_check() override {
        return read("checking the database", [&](Session& s) {
            Rows rs = select(s, "PRAGMA integrity_check");
            return rs.rowCount() == 0 ? std::string("no result") : str(rs, 0, "integrity_check");
        });
    }

private:
    static thread_local SqliteStore* t_in_tx;
    static thread_local SqliteStore* t_snapshot_of;
    static thread_local Session* t_snapshot;

    template <typename... Args>
    Rows select(Session& s, const std::string& sql, const Args&... args) {
        return m_statements.run(s, sql, true, args...);
    }

    template <typename... Args>
    void exec(Session& s, const std::string& sql, const Args&... args) {
        (void)m_statements.run(s, sql, false, args...);
    }

    // Migrations may hold several statements in one text: Poco runs them all.
    static void exec_script(Session& s, const std::string& sql) {
        Statement st(s);
        st << sql;
        st.execute();
    }

    void exec_raw(const std::string& sql) {
        Statement st(m_writer);
        st << sql;
        st.execute();
    }

    // Poco's pool refuses at once when every connection is out. A reader waits for one instead (up to the
    // busy timeout), so more concurrent requests than read connections queue rather than fail.
    class Lease {
    public:
        explicit Lease(SqliteStore& store) : m_store(store) {
            store.take_slot();
            try {
                m_session.emplace(store.m_pool.get());
            } catch (...) {
                store.give_slot();
                throw;
            }
        }
        ~Lease() {
            m_session.reset(); // back to the pool first, then the slot
            m_store.give_slot();
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Session& session() { return *m_session; }

    private:
        SqliteStore& m_store;
        std::optional<Session> m_session;
    };

    void take_slot() {
        std::unique_lock<std::mutex> lock(m_slots_mutex);
        const auto wait = std::chrono::seconds(std::max(1, m_options.busy_timeout_seconds));
        if (!m_slots_cv.wait_for(lock, wait, [&] { return m_free_slots > 0; })) {
            throw Poco::TimeoutException("every database connection stayed busy");
        }
        --m_free_slots;
    }
    void give_slot() {
        {
            std::lock_guard<std::mutex> lock(m_slots_mutex);
            ++m_free_slots;
        }
        m_slots_cv.notify_one();
    }

    template <typename F>
    auto read(const char* what, F&& f) -> Result<decltype(f(std::declval<Session&>()))> {
        try {
            if (t_in_tx == this) {
                return f(m_writer);
            }
            if (t_snapshot_of == this) {
                return f(*t_snapshot);
            }
            Lease lease(*this);
            return f(lease.session());
        } catch (const Poco::Exception& e) {
            return db_error(what, e);
        }
    }

    template <typename F>
    Status write(const char* what, F&& f) {
        try {
            if (t_in_tx == this) {
                f(m_writer);
                return {};
            }
            std::lock_guard<std::recursive_mutex> lock(m_write_mutex);
            f(m_writer);
            return {};
        } catch (const Poco::Exception& e) {
            return db_error(what, e);
        }
    }

    template <typename T, typename Map, typename... Args>
    Result<std::optional<T>> one(const char* what, const std::string& sql, Map map, const Args&... args) {
        return read(what, [&](Session& s) -> std::optional<T> {
            Rows rs = select(s, sql, args...);
            if (rs.rowCount() == 0) {
                return std::nullopt;
            }
            return map(rs, 0);
        });
    }

    template <typename T, typename Map, typename... Args>
    Result<std::vector<T>> many(const char* what, const std::string& sql, Map map, const Args&... args) {
        return read(what, [&](Session& s) {
            Rows rs = select(s, sql, args...);
            std::vector<T> out;
            out.reserve(rs.rowCount());
            for (std::size_t r = 0; r < rs.rowCount(); ++r) {
                out.push_back(map(rs, r));
            }
            return out;
        });
    }

    Status migrate() {
        exec_raw(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at INTEGER NOT NULL)");
        for (const Migration& m : sqlite_migrations()) {
            Rows rs = select(m_writer, "SELECT COUNT(*) AS n FROM schema_migrations WHERE version = ?",
                             static_cast<Poco::Int64>(m.version));
            if (i64(rs, 0, "n") > 0) {
                continue;
            }
            Status st = transaction(
                [&]() -> Status {
                    for (const std::string& sql : m.statements) {
                        exec_script(m_writer, sql);
                    }
                    exec(m_writer,
                         "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, "
                         "strftime('%s','now'))",
                         static_cast<Poco::Int64>(m.version), std::string(m.name));
                    return {};
                },
                {});
            if (!st) {
                return make_error(st.error().code, "migration " + std::to_string(m.version) +
                                                       " failed: " + st.error().message);
            }
        }
        return {};
    }

    SqliteOptions m_options;
    Session m_writer;
    Poco::Data::SessionPool m_pool;
    StatementCache m_statements; // after the connections: destroyed (statements finalized) before them
    std::mutex m_slots_mutex;
    std::condition_variable m_slots_cv;
    int m_free_slots;
    std::recursive_mutex m_write_mutex;
    std::vector<std::function<void()>> m_nested_after;
};

thread_local SqliteStore* SqliteStore::t_in_tx = nullptr;
thread_local SqliteStore* SqliteStore::t_snapshot_of = nullptr;
thread_local Session* SqliteStore::t_snapshot = nullptr;

} // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::SQLite::Connector::registerConnector(); });
    try {
        auto store = std::make_unique<SqliteStore>(options);
        KV_TRY(store->init());
        return std::unique_ptr<Store>(std::move(store));
    } catch (const Poco::Exception& e) {
        return make_error(Errc::unavailable, "cannot open database " + options.path + ": " + e.displayText());
    }
}

} // namespace kinvault::storage
