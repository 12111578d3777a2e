#include "common/hex.h"
#include "storage/store.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace kinvault;
using namespace kinvault::storage;

namespace {

struct TempDb {
    std::string dir;
    TempDb() {
        char tmpl[] = "/tmp/kv-store-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
    std::string path() const { return dir + "/kv.db"; }
};

UserRecord user(const std::string& id, const std::string& index) {
    UserRecord u;
    u.id = id;
    u.kind = "member";
    u.email_index = index;
    u.email_sealed = to_bytes("sealed-email");
    u.name_sealed = to_bytes("sealed-name");
    u.created_at = 100;
    return u;
}

} // namespace

TEST_CASE("the SQLite store migrates once and keeps its data across openings", "[storage]") {
    TempDb db;
    {
        auto store = open_sqlite_store({db.path(), 2, 5});
        REQUIRE(store);
        REQUIRE((*store)->insert_user(user("usr_a", "idx-a")));
    }
    auto again = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(again);
    auto u = (*again)->user_by_email_index("idx-a");
    REQUIRE(u);
    REQUIRE(u->has_value());
    CHECK((*u)->id == "usr_a");
    CHECK((*u)->totp_sealed.empty());
    CHECK((*u)->email_sealed == to_bytes("sealed-email"));
    auto check = (*again)->integrity_check();
    REQUIRE(check);
    CHECK(*check == "ok");
}

TEST_CASE("a failed transaction leaves nothing behind and its after-commit hook never runs", "[storage]") {
    TempDb db;
    auto store = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(store);
    Store& s = **store;
    bool hook_ran = false;
    Status st = s.transaction(
        [&]() -> Status {
            KV_TRY(s.insert_user(user("usr_a", "idx-a")));
            return make_error(Errc::conflict, "changed my mind");
        },
        [&] { hook_ran = true; });
    CHECK_FALSE(st);
    CHECK_FALSE(hook_ran);
    auto u = s.user_by_id("usr_a");
    REQUIRE(u);
    CHECK_FALSE(u->has_value());

    SECTION("a successful one commits and runs the hook") {
        Status ok = s.transaction([&]() -> Status { return s.insert_user(user("usr_b", "idx-b")); },
                                  [&] { hook_ran = true; });
        CHECK(ok);
        CHECK(hook_ran);
        CHECK(s.user_by_id("usr_b")->has_value());
    }
}

TEST_CASE("unique constraints surface as conflicts, not crashes", "[storage]") {
    TempDb db;
    auto store = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(store);
    REQUIRE((*store)->insert_user(user("usr_a", "idx-a")));
    auto dup = (*store)->insert_user(user("usr_b", "idx-a"));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == Errc::conflict);
}

TEST_CASE("foreign keys are enforced", "[storage]") {
    TempDb db;
    auto store = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(store);
    PartyRecord p;
    p.id = "pty_x";
    p.case_id = "case_missing";
    p.role = "parent";
    p.name_sealed = to_bytes("n");
    p.email_sealed = to_bytes("e");
    p.email_index = "i";
    CHECK_FALSE((*store)->insert_party(p));
}

TEST_CASE("the audit log keeps its leaves in order", "[storage]") {
    TempDb db;
    auto store = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(store);
    for (int i = 0; i < 5; ++i) {
        auto seq = (*store)->append_audit("{\"n\":" + std::to_string(i) + "}",
                                          Bytes(32, static_cast<std::uint8_t>(i)));
        REQUIRE(seq);
        CHECK(*seq == i);
    }
    std::vector<std::int64_t> seen;
    REQUIRE((*store)->for_each_audit_leaf([&](std::int64_t seq, const Bytes& leaf) {
        seen.push_back(seq);
        CHECK(leaf[0] == static_cast<std::uint8_t>(seq));
    }));
    CHECK(seen == std::vector<std::int64_t>{0, 1, 2, 3, 4});
    auto range = (*store)->audit_range(2, 2);
    REQUIRE(range);
    REQUIRE(range->size() == 2);
    CHECK((*range)[0].entry == "{\"n\":2}");
}

TEST_CASE("sealed records are found by case, document and state", "[storage]") {
    TempDb db;
    auto store = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(store);
    SealedRecord r{"envelope", "env_1", "case_1", "doc_1", "sent", 10, to_bytes("x")};
    REQUIRE((*store)->put_record(r));
    r.state = "completed";
    REQUIRE((*store)->put_record(r)); // replace
    CHECK((*store)->records_in_state("envelope", "sent")->empty());
    CHECK((*store)->records_in_state("envelope", "completed")->size() == 1);
    CHECK((*store)->records_of_case("envelope", "case_1")->size() == 1);
    CHECK((*store)->records_of_document("envelope", "doc_1")->size() == 1);
    CHECK((*store)->records_of_case("roi", "case_1")->empty());
}

TEST_CASE("a case's records of several kinds come in one query, in the same order as kind by kind",
          "[storage]") {
    TempDb db;
    auto store = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(store);
    const std::vector<SealedRecord> records = {
        {"roi", "roi_b", "case_1", "", "active", 30, to_bytes("1")},
        {"roi", "roi_a", "case_1", "", "active", 30, to_bytes("2")}, // same time: ordered by id
        {"roi", "roi_c", "case_1", "", "revoked", 10, to_bytes("3")},
        {"order", "ord_1", "case_1", "", "verified", 20, to_bytes("4")},
        {"envelope", "env_1", "case_1", "", "sent", 5, to_bytes("5")}, // a kind not asked for
        {"roi", "roi_x", "case_2", "", "active", 1, to_bytes("6")},    // another case
    };
    for (const auto& r : records) {
        REQUIRE((*store)->put_record(r));
    }
    auto got = (*store)->records_of_case_kinds("case_1", {"roi", "order", "custody"});
    REQUIRE(got);
    std::vector<std::string> ids;
    for (const auto& r : *got) {
        ids.push_back(r.id);
    }
    CHECK(ids == std::vector<std::string>{"ord_1", "roi_c", "roi_a", "roi_b"});
    std::vector<std::string> by_kind;
    for (const char* kind : {"order", "roi"}) {
        for (const auto& r : *(*store)->records_of_case(kind, "case_1")) {
            by_kind.push_back(r.id);
        }
    }
    CHECK(ids == by_kind);
    CHECK((*store)->records_of_case_kinds("case_1", {})->empty());
    CHECK((*store)->records_of_case_kinds("case_3", {"roi"})->empty());
}

TEST_CASE("a database file that is not SQLite is refused with a clear error", "[storage]") {
    TempDb db;
    std::ofstream(db.path()) << "this is not a database, just some text that is long enough to matter";
    auto store = open_sqlite_store({db.path(), 2, 5});
    CHECK_FALSE(store);
}

TEST_CASE("reads inside a snapshot see one moment, even while another thread commits", "[storage]") {
    // A release decision reads several rows; a revocation committed halfway through must not give it a view
    // that mixes the state before and after.
    TempDb db;
    auto opened = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(opened);
    Store& s = **opened;
    REQUIRE(s.insert_user(user("usr_a", "idx-a")));
    std::string first;
    std::string second;
    Status st = s.snapshot([&]() -> Status {
        auto before = s.user_by_id("usr_a");
        REQUIRE(before);
        REQUIRE(before->has_value());
        first = to_string((*before)->name_sealed);
        std::thread writer([&] {
            UserRecord changed = user("usr_a", "idx-a");
            changed.name_sealed = to_bytes("renamed");
            REQUIRE(s.update_user(changed));
        });
        writer.join();
        auto during = s.user_by_id("usr_a");
        REQUIRE(during);
        REQUIRE(during->has_value());
        second = to_string((*during)->name_sealed);
        // Nested snapshots join the outer one.
        return s.snapshot([&]() -> Status {
            auto nested = s.user_by_id("usr_a");
            REQUIRE(nested);
            CHECK(to_string((*nested)->name_sealed) == "sealed-name");
            return {};
        });
    });
    REQUIRE(st);
    CHECK(first == "sealed-name");
    CHECK(second == "sealed-name");
    auto after = s.user_by_id("usr_a");
    REQUIRE(after);
    CHECK(to_string((*after)->name_sealed) == "renamed");
    // A failure inside the snapshot is returned as it is and leaves the store usable.
    Status failed = s.snapshot([]() -> Status { return make_error(Errc::conflict, "stop"); });
    REQUIRE_FALSE(failed);
    CHECK(failed.error().code == Errc::conflict);
    CHECK(s.user_by_id("usr_a"));
}

TEST_CASE("a session is read together with its account, each with its own columns", "[storage]") {
    TempDb db;
    auto opened = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(opened);
    Store& s = **opened;
    UserRecord u = user("usr_a", "idx-a");
    u.created_at = 111; // differs from the session's created_at: the join must not mix the two
    u.totp_last_step = 7;
    u.disabled = true;
    REQUIRE(s.insert_user(u));
    SessionRecord rec;
    rec.token_hash = "hash-1";
    rec.user_id = "usr_a";
    rec.csrf_hash = "csrf";
    rec.auth_method = "password";
    rec.client_address = "127.0.0.1";
    rec.created_at = 222;
    rec.last_seen = 333;
    rec.expires_at = 444;
    REQUIRE(s.insert_session(rec));
    auto both = s.session_with_user("hash-1");
    REQUIRE(both);
    REQUIRE(both->has_value());
    const SessionWithUser& got = **both;
    CHECK(got.session.token_hash == "hash-1");
    CHECK(got.session.user_id == "usr_a");
    CHECK(got.session.auth_method == "password");
    CHECK(got.session.created_at == 222);
    CHECK(got.session.last_seen == 333);
    CHECK(got.session.expires_at == 444);
    CHECK(got.user.id == "usr_a");
    CHECK(got.user.email_index == "idx-a");
    CHECK(got.user.name_sealed == to_bytes("sealed-name"));
    CHECK(got.user.created_at == 111);
    CHECK(got.user.totp_last_step == 7);
    CHECK(got.user.disabled);
    auto none = s.session_with_user("hash-unknown");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
}

TEST_CASE("prepared statements are reused safely and release the database when they return", "[storage]") {
    TempDb db;
    auto opened = open_sqlite_store({db.path(), 2, 5});
    REQUIRE(opened);
    Store& s = **opened;

    // Values come back exactly as written: bytes with zeros in them, empty blobs, 64-bit numbers.
    UserRecord a = user("usr_a", "idx-a");
    a.email_sealed = Bytes{0x00, 0x01, 0x00, 0xff};
    a.totp_sealed = {};
    a.totp_last_step = (std::int64_t{1} << 40) + 3;
    REQUIRE(s.insert_user(a));
    auto got = s.user_by_id("usr_a");
    REQUIRE(got);
    REQUIRE(got->has_value());
    CHECK((*got)->email_sealed == a.email_sealed);
    CHECK((*got)->totp_sealed.empty());
    CHECK((*got)->totp_last_step == a.totp_last_step);

    // A statement that failed is reset: the same statement then works with other values.
    auto dup = s.insert_user(user("usr_b", "idx-a"));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == Errc::conflict);
    REQUIRE(s.insert_user(user("usr_b", "idx-b")));
    CHECK(s.user_by_id("usr_b")->has_value());
    CHECK(s.user_by_email_index("idx-b")->value().id == "usr_b");

    // Reads from more threads than there are read connections (two): each waits for a pooled connection
    // rather than failing, and finds its own prepared statements there.
    std::vector<std::thread> readers;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                const bool first = i % 2 == 0;
                auto u = s.user_by_id(first ? "usr_a" : "usr_b");
                if (!u || !u->has_value() || (*u)->id != (first ? "usr_a" : "usr_b")) {
                    ++wrong;
                }
            }
        });
    }
    for (auto& r : readers) {
        r.join();
    }
    CHECK(wrong == 0);

    // No statement still holds a read transaction once it has returned: a checkpoint that must wait for
    // every reader completes at once.
    REQUIRE(s.insert_user(user("usr_c", "idx-c")));
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open_v2(db.path().c_str(), &other, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "SELECT COUNT(*) FROM users", nullptr, nullptr, nullptr) == SQLITE_OK);
    int log_frames = -1;
    int checkpointed = -1;
    CHECK(sqlite3_wal_checkpoint_v2(other, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &checkpointed) ==
          SQLITE_OK);
    CHECK(log_frames == 0);
    sqlite3_close(other);
}
