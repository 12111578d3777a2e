// The associated data of every sealed column is part of the vault format: these are the strings that
// Kinvault sealed under before the barrier existed, typed out by hand here on purpose, so that a change to
// barrier/place.cpp that would leave existing vaults unreadable fails this test instead.
#include "barrier/barrier.h"
#include "barrier/place.h"
#include "keyring_for_tests.h"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

using namespace kinvault;
using namespace kinvault::barrier;

namespace {

using barrier_tests::new_keyring;

struct Known {
    Place place;
    const char* context;
};

// Every column, with the context string the services typed before the barrier.
const std::vector<Known>& known_places() {
    static const std::vector<Known> all{
        {{.column = Column::user_email, .id = "usr_1"}, "user:usr_1:email"},
        {{.column = Column::user_name, .id = "usr_1"}, "user:usr_1:name"},
        {{.column = Column::user_totp, .id = "usr_1"}, "user:usr_1:totp"},
        {{.column = Column::case_name, .id = "case_1"}, "case:case_1:name"},
        {{.column = Column::party_name, .id = "pty_1"}, "party:pty_1:name"},
        {{.column = Column::party_email, .id = "pty_1"}, "party:pty_1:email"},
        {{.column = Column::version_title, .id = "doc_1", .version = 3}, "doc:doc_1:v3:title"},
        {{.column = Column::version_filename, .id = "doc_1", .version = 3}, "doc:doc_1:v3:filename"},
        {{.column = Column::version_data_key, .id = "doc_1", .version = 3}, "doc:doc_1:v3"},
        {{.column = Column::record_body, .id = "roi_1", .kind = "roi"}, "record:roi:roi_1"},
        {{.column = Column::record_body, .id = "env_1", .kind = "envelope"}, "record:envelope:env_1"},
        {{.column = Column::record_body, .id = "usr_1", .kind = "signer-cert"}, "record:signer-cert:usr_1"},
        {{.column = Column::record_body, .id = "usr_1", .kind = "esign-consent"},
         "record:esign-consent:usr_1"},
        {{.column = Column::outbox_mail, .id = "msg_1"}, "outbox:msg_1"},
        {{.column = Column::secret, .id = "ca.key"}, "ca.key"},
    };
    return all;
}

} // namespace

TEST_CASE("each column's context is the string earlier vaults were sealed under", "[barrier]") {
    for (const auto& k : known_places()) {
        CAPTURE(k.context);
        CHECK(context(k.place) == k.context);
    }
    SECTION("and the blob binding of a version is unchanged too") {
        CHECK(blob_binding("doc_1", 3, 2) == "kinvault:blob:doc_1:v3:k2");
    }
}

TEST_CASE("no two places share a context", "[barrier]") {
    std::set<std::string> seen;
    for (const auto& k : known_places()) {
        CHECK(seen.insert(context(k.place)).second);
    }
}

TEST_CASE("values sealed before the barrier open through it", "[barrier]") {
    const crypto::Keyring ring = new_keyring();
    const Barrier barrier(ring);

    SECTION("a user's e-mail address, name and TOTP secret") {
        storage::UserRecord u;
        u.id = "usr_1";
        u.email_sealed = ring.seal_field("ann@example.org", "user:usr_1:email");
        u.name_sealed = ring.seal_field("Ann", "user:usr_1:name");
        u.totp_sealed = ring.seal_field("JBSWY3DPEHPK3PXP", "user:usr_1:totp");
        CHECK(barrier.open_email(u).value() == "ann@example.org");
        CHECK(barrier.open_name(u).value() == "Ann");
        CHECK(barrier.open_totp(u).value() == "JBSWY3DPEHPK3PXP");
    }
    SECTION("a case's name") {
        storage::CaseRecord c;
        c.id = "case_1";
        c.name_sealed = ring.seal_field("The Rivera family", "case:case_1:name");
        CHECK(barrier.open_name(c).value() == "The Rivera family");
    }
    SECTION("a party's name and e-mail address") {
        storage::PartyRecord p;
        p.id = "pty_1";
        p.name_sealed = ring.seal_field("Zoë O'Brien-Núñez", "party:pty_1:name");
        p.email_sealed = ring.seal_field("zoe@example.org", "party:pty_1:email");
        CHECK(barrier.open_name(p).value() == "Zoë O'Brien-Núñez");
        CHECK(barrier.open_email(p).value() == "zoe@example.org");
    }
    SECTION("a document version's title, file name and data key") {
        storage::VersionRecord v;
        v.document_id = "doc_1";
        v.version = 3;
        v.title_sealed = ring.seal_field("Parenting plan", "doc:doc_1:v3:title");
        v.filename_sealed = ring.seal_field("plan.pdf", "doc:doc_1:v3:filename");
        const crypto::Secret key = crypto::Secret::random(32);
        const crypto::WrappedKey wrapped = ring.wrap_key(key, "doc:doc_1:v3");
        v.kek_version = wrapped.kek_version;
        v.wrapped_key = wrapped.sealed;
        CHECK(barrier.open_title(v).value() == "Parenting plan");
        CHECK(barrier.open_filename(v).value() == "plan.pdf");
        auto unwrapped = barrier.unwrap_data_key(v);
        REQUIRE(unwrapped);
        CHECK(unwrapped->equals(key));
    }
    SECTION("workflow records of every kind the services seal") {
        for (const char* kind : {"roi", "order", "letter", "envelope", "signer-cert", "esign-consent"}) {
            CAPTURE(kind);
            storage::SealedRecord r;
            r.kind = kind;
            r.id = "rec_1";
            r.sealed = ring.seal_field("{\"a\":1}", std::string("record:") + kind + ":rec_1");
            CHECK(barrier.open_record(r).value() == "{\"a\":1}");
        }
    }
    SECTION("an outbox message") {
        storage::OutboxRecord m;
        m.id = "msg_1";
        m.sealed = ring.seal_field("{\"to\":\"a@example.org\"}", "outbox:msg_1");
        CHECK(barrier.open_mail(m).value() == "{\"to\":\"a@example.org\"}");
    }
    SECTION("a secret stored under its name") {
        const crypto::Secret seed = crypto::Secret::random(32);
        const Bytes sealed = ring.seal_secret(seed, "audit.seed");
        auto opened = barrier.open_secret("audit.seed", sealed);
        REQUIRE(opened);
        CHECK(opened->equals(seed));
    }
    SECTION("blind indexes keep their purposes") {
        CHECK(barrier.email_index("ann@example.org") == ring.blind_index("email", "ann@example.org"));
        CHECK(barrier.csrf_token("abc") == ring.blind_index("csrf", "abc"));
    }
}

TEST_CASE("values sealed through the barrier open the old way", "[barrier]") {
    // The other direction: a vault written by this Kinvault stays readable by the format, not by this code.
    const crypto::Keyring ring = new_keyring();
    const Barrier barrier(ring);
    storage::PartyRecord p;
    p.id = "pty_9";
    barrier.seal_name(p, "Sam");
    CHECK(ring.open_field(p.name_sealed, "party:pty_9:name").value() == "Sam");
    storage::VersionRecord v;
    v.document_id = "doc_9";
    v.version = 1;
    barrier.seal_title(v, "Order");
    CHECK(ring.open_field(v.title_sealed, "doc:doc_9:v1:title").value() == "Order");
    const crypto::Secret key = crypto::Secret::random(32);
    const crypto::WrappedKey wrapped = barrier.wrap_data_key("doc_9", 1, key);
    CHECK(ring.unwrap_key(wrapped, "doc:doc_9:v1").value().equals(key));
}
