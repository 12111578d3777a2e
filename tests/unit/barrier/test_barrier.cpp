#include "barrier/barrier.h"
#include "keyring_for_tests.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace kinvault;
using namespace kinvault::barrier;

namespace {

using barrier_tests::new_keyring;

storage::UserRecord user(const std::string& id) {
    storage::UserRecord u;
    u.id = id;
    return u;
}
storage::PartyRecord party(const std::string& id) {
    storage::PartyRecord p;
    p.id = id;
    return p;
}
storage::CaseRecord case_of(const std::string& id) {
    storage::CaseRecord c;
    c.id = id;
    return c;
}
storage::VersionRecord version(const std::string& document_id, std::int64_t n) {
    storage::VersionRecord v;
    v.document_id = document_id;
    v.version = n;
    return v;
}
storage::SealedRecord record(const std::string& kind, const std::string& id) {
    storage::SealedRecord r;
    r.kind = kind;
    r.id = id;
    return r;
}
storage::OutboxRecord message(const std::string& id) {
    storage::OutboxRecord m;
    m.id = id;
    return m;
}

} // namespace

TEST_CASE("every sealed field of every table round-trips through the barrier", "[barrier]") {
    const crypto::Keyring ring = new_keyring();
    const Barrier barrier(ring);

    SECTION("users: e-mail address, name, TOTP secret") {
        auto u = user("usr_a");
        barrier.seal_email(u, "ann@example.org");
        barrier.seal_name(u, "Ann Lee");
        barrier.seal_totp(u, "JBSWY3DPEHPK3PXP");
        CHECK(barrier.open_email(u).value() == "ann@example.org");
        CHECK(barrier.open_name(u).value() == "Ann Lee");
        CHECK(barrier.open_totp(u).value() == "JBSWY3DPEHPK3PXP");
    }
    SECTION("cases: name") {
        auto c = case_of("case_a");
        barrier.seal_name(c, "The Lee family");
        CHECK(barrier.open_name(c).value() == "The Lee family");
    }
    SECTION("parties: name and e-mail address") {
        auto p = party("pty_a");
        barrier.seal_name(p, "Zoë O'Brien-Núñez");
        barrier.seal_email(p, "zoe@example.org");
        CHECK(barrier.open_name(p).value() == "Zoë O'Brien-Núñez");
        CHECK(barrier.open_email(p).value() == "zoe@example.org");
    }
    SECTION("versions: title, file name and data key") {
        auto v = version("doc_a", 2);
        barrier.seal_title(v, "Custody order");
        barrier.seal_filename(v, "order.pdf");
        const crypto::Secret key = crypto::Secret::random(32);
        const crypto::WrappedKey wrapped = barrier.wrap_data_key("doc_a", 2, key);
        v.kek_version = wrapped.kek_version;
        v.wrapped_key = wrapped.sealed;
        CHECK(barrier.open_title(v).value() == "Custody order");
        CHECK(barrier.open_filename(v).value() == "order.pdf");
        auto unwrapped = barrier.unwrap_data_key(v);
        REQUIRE(unwrapped);
        CHECK(unwrapped->equals(key));
    }
    SECTION("records: a workflow record's JSON") {
        auto r = record("roi", "roi_a");
        barrier.seal_record(r, R"({"purpose":"treatment"})");
        CHECK(barrier.open_record(r).value() == R"({"purpose":"treatment"})");
    }
    SECTION("outbox: a message") {
        auto m = message("msg_a");
        barrier.seal_mail(m, R"({"to":"ann@example.org"})");
        CHECK(barrier.open_mail(m).value() == R"({"to":"ann@example.org"})");
    }
    SECTION("sealed secrets: a key stored under its name") {
        const crypto::Secret secret = crypto::Secret::random(32);
        auto opened = barrier.open_secret("tls.key", barrier.seal_secret("tls.key", secret));
        REQUIRE(opened);
        CHECK(opened->equals(secret));
    }
}

TEST_CASE("a value sealed in one place does not open in another", "[barrier]") {
    const crypto::Keyring ring = new_keyring();
    const Barrier barrier(ring);

    SECTION("another row of the same column") {
        auto a = party("pty_a");
        auto b = party("pty_b");
        barrier.seal_name(a, "Ann");
        b.name_sealed = a.name_sealed;
        CHECK_FALSE(barrier.open_name(b));
    }
    SECTION("another column of the same row") {
        auto p = party("pty_a");
        barrier.seal_name(p, "Ann");
        p.email_sealed = p.name_sealed;
        CHECK_FALSE(barrier.open_email(p));
        auto u = user("usr_a");
        barrier.seal_email(u, "ann@example.org");
        u.name_sealed = u.email_sealed;
        u.totp_sealed = u.email_sealed;
        CHECK_FALSE(barrier.open_name(u));
        CHECK_FALSE(barrier.open_totp(u));
        auto v = version("doc_a", 1);
        barrier.seal_title(v, "Plan");
        v.filename_sealed = v.title_sealed;
        CHECK_FALSE(barrier.open_filename(v));
    }
    SECTION("another table, even with the same id") {
        auto p = party("same_id");
        barrier.seal_name(p, "Ann");
        auto u = user("same_id");
        u.name_sealed = p.name_sealed;
        CHECK_FALSE(barrier.open_name(u));
        auto c = case_of("same_id");
        c.name_sealed = p.name_sealed;
        CHECK_FALSE(barrier.open_name(c));
        auto m = message("same_id");
        m.sealed = p.name_sealed;
        CHECK_FALSE(barrier.open_mail(m));
    }
    SECTION("another version of the same document") {
        auto v1 = version("doc_a", 1);
        barrier.seal_title(v1, "Plan");
        auto v2 = version("doc_a", 2);
        v2.title_sealed = v1.title_sealed;
        CHECK_FALSE(barrier.open_title(v2));
        const crypto::WrappedKey wrapped = barrier.wrap_data_key("doc_a", 1, crypto::Secret::random(32));
        v2.kek_version = wrapped.kek_version;
        v2.wrapped_key = wrapped.sealed;
        CHECK_FALSE(barrier.unwrap_data_key(v2));
        auto other = version("doc_b", 1);
        other.kek_version = wrapped.kek_version;
        other.wrapped_key = wrapped.sealed;
        CHECK_FALSE(barrier.unwrap_data_key(other));
    }
    SECTION("another kind or id of record") {
        auto roi = record("roi", "rec_a");
        barrier.seal_record(roi, "{}");
        auto order = record("order", "rec_a");
        order.sealed = roi.sealed;
        CHECK_FALSE(barrier.open_record(order));
        auto other = record("roi", "rec_b");
        other.sealed = roi.sealed;
        CHECK_FALSE(barrier.open_record(other));
    }
    SECTION("another secret's name") {
        const Bytes sealed = barrier.seal_secret("ca.key", crypto::Secret::random(32));
        CHECK_FALSE(barrier.open_secret("tls.key", sealed));
    }
    SECTION("every place against every other") {
        // The sealed fields above exercise the accessors; this walks the whole table of places so that a
        // new column added to barrier/place.h without a distinct context cannot pass unnoticed.
        const std::vector<Place> places{
            {.column = Column::user_email, .id = "x"},
            {.column = Column::user_name, .id = "x"},
            {.column = Column::user_totp, .id = "x"},
            {.column = Column::case_name, .id = "x"},
            {.column = Column::party_name, .id = "x"},
            {.column = Column::party_email, .id = "x"},
            {.column = Column::version_title, .id = "x", .version = 1},
            {.column = Column::version_filename, .id = "x", .version = 1},
            {.column = Column::version_data_key, .id = "x", .version = 1},
            {.column = Column::record_body, .id = "x", .kind = "roi"},
            {.column = Column::outbox_mail, .id = "x"},
            {.column = Column::secret, .id = "x"},
        };
        for (std::size_t i = 0; i < places.size(); ++i) {
            const Bytes sealed = ring.seal_field("value", context(places[i]));
            for (std::size_t j = 0; j < places.size(); ++j) {
                CAPTURE(i, j);
                CHECK(static_cast<bool>(ring.open_field(sealed, context(places[j]))) == (i == j));
            }
        }
    }
}
