#include "fixture.h"

using namespace kvunit;
using kinvault::crypto::Secret;

TEST_CASE("sign-in succeeds with the right password and fails the same way for wrong and unknown accounts",
          "[accounts]") {
    Stack s;
    (void)s.clinician();
    auto wrong = s.accounts->login("dana@example.org", Secret::from_view("not-the-password"), "", s.req);
    auto unknown = s.accounts->login("nobody@example.org", Secret::from_view("not-the-password"), "", s.req);
    REQUIRE_FALSE(wrong);
    REQUIRE_FALSE(unknown);
    CHECK(wrong.error().code == unknown.error().code);
    CHECK(wrong.error().message == unknown.error().message);
    CHECK(s.accounts->login("DANA@example.org ", Secret::from_view("clinician-password-1"), "", s.req));
}

TEST_CASE("repeated failures back off and then hit the hourly cap", "[accounts]") {
    services::LoginPolicy policy;
    policy.free_failures = 3;
    policy.account_cap_per_hour = 6;
    Stack s(policy);
    (void)s.clinician();
    const Secret bad = Secret::from_view("wrong-password-x");
    for (int i = 0; i < 3; ++i) {
        auto r = s.accounts->login("dana@example.org", bad, "", s.req);
        CHECK(r.error().code == Errc::unauthenticated);
    }
    SECTION("after the free failures the next attempt must wait") {
        (void)s.accounts->login("dana@example.org", bad, "", s.req);
        auto r = s.accounts->login("dana@example.org", Secret::from_view("clinician-password-1"), "", s.req);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::rate_limited);
        s.clock.advance(60);
        CHECK(s.accounts->login("dana@example.org", Secret::from_view("clinician-password-1"), "", s.req));
    }
    SECTION("past the hourly cap even the right password waits an hour") {
        for (int i = 0; i < 3; ++i) {
            s.clock.advance(120);
            (void)s.accounts->login("dana@example.org", bad, "", s.req);
        }
        s.clock.advance(120);
        auto r = s.accounts->login("dana@example.org", Secret::from_view("clinician-password-1"), "", s.req);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::rate_limited);
        s.clock.advance(3600);
        CHECK(s.accounts->login("dana@example.org", Secret::from_view("clinician-password-1"), "", s.req));
    }
}

TEST_CASE("sessions end when idle, at their absolute limit, and on logout", "[accounts]") {
    Stack s;
    (void)s.clinician();
    auto session =
        s.accounts->login("dana@example.org", Secret::from_view("clinician-password-1"), "", s.req);
    REQUIRE(session);
    const std::string token = session->token;
    CHECK(s.accounts->authenticate(token));

    SECTION("idle for longer than the idle limit") {
        s.clock.advance(31 * 60);
        CHECK_FALSE(s.accounts->authenticate(token));
    }
    SECTION("active but past the absolute limit") {
        for (int i = 0; i < 24; ++i) { // 11 h 36 min of steady use
            s.clock.advance(29 * 60);
            REQUIRE(s.accounts->authenticate(token));
        }
        s.clock.advance(29 * 60);
        CHECK_FALSE(s.accounts->authenticate(token));
    }
    SECTION("logout") {
        auto p = s.accounts->authenticate(token);
        REQUIRE(p);
        REQUIRE(s.accounts->logout(*p, s.req));
        CHECK_FALSE(s.accounts->authenticate(token));
    }
    SECTION("the token is stored only as its hash") {
        auto rec = s.store->session_by_hash(services::token_hash(token));
        REQUIRE(rec);
        CHECK(rec->has_value());
        CHECK_FALSE(s.store->session_by_hash(token)->has_value());
    }
    SECTION("the CSRF token belongs to its session") {
        auto p = s.accounts->authenticate(token);
        REQUIRE(p);
        CHECK(s.accounts->check_csrf(*p, session->csrf_token));
        CHECK_FALSE(s.accounts->check_csrf(*p, session->csrf_token + "x"));
        CHECK_FALSE(s.accounts->check_csrf(*p, ""));
    }
}

TEST_CASE("an invitation works once, within seven days, and never takes over an existing account",
          "[accounts]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Rivera family", "closed", s.req);
    REQUIRE(c);
    auto inv = s.cases->invite(clinician, c->id, {"parent", "Ana Rivera", "ana@example.org", "", ""}, s.req);
    REQUIRE(inv);

    SECTION("accepting sets the password and signs the person in") {
        auto session = s.accounts->accept_invitation(inv->token, Secret::from_view("ana-password-1"), s.req);
        REQUIRE(session);
        CHECK(s.accounts->login("ana@example.org", Secret::from_view("ana-password-1"), "", s.req));
        auto again = s.accounts->accept_invitation(inv->token, Secret::from_view("someone-else-1"), s.req);
        REQUIRE_FALSE(again);
        CHECK(again.error().code == Errc::gone);
    }
    SECTION("after seven days it has expired") {
        s.clock.advance(7 * 24 * 3600 + 1);
        auto late = s.accounts->accept_invitation(inv->token, Secret::from_view("ana-password-1"), s.req);
        REQUIRE_FALSE(late);
        CHECK(late.error().code == Errc::gone);
    }
    SECTION("a second case's invitation for an existing account needs that account's password") {
        REQUIRE(s.accounts->accept_invitation(inv->token, Secret::from_view("ana-password-1"), s.req));
        auto c2 = s.cases->create(clinician, "Second family", "open", s.req);
        REQUIRE(c2);
        auto inv2 =
            s.cases->invite(clinician, c2->id, {"parent", "Ana Rivera", "ana@example.org", "", ""}, s.req);
        REQUIRE(inv2);
        auto takeover =
            s.accounts->accept_invitation(inv2->token, Secret::from_view("attacker-password"), s.req);
        REQUIRE_FALSE(takeover);
        CHECK(takeover.error().code == Errc::unauthenticated);
        CHECK(s.accounts->accept_invitation(inv2->token, Secret::from_view("ana-password-1"), s.req));
    }
    SECTION("the invitation e-mail is queued with the link and nothing else of the case") {
        auto queued = s.notifier->outbox_of_case(c->id);
        REQUIRE(queued);
        REQUIRE(queued->size() == 1);
        CHECK((*queued)[0].to == "ana@example.org");
        auto rec = s.store->outbox_of_case(c->id);
        auto mail = s.notifier->open((*rec)[0]);
        REQUIRE(mail);
        CHECK(mail->body.find(inv->token) != std::string::npos);
        CHECK(mail->body.find("Rivera family") == std::string::npos);
    }
}

TEST_CASE("only clinicians open cases and only the case's clinician invites", "[accounts]") {
    Stack s;
    const auto clinician = s.clinician();
    auto c = s.cases->create(clinician, "Rivera family", "closed", s.req);
    REQUIRE(c);
    auto inv = s.cases->invite(clinician, c->id, {"parent", "Ana Rivera", "ana@example.org", "", ""}, s.req);
    REQUIRE(inv);
    auto session = s.accounts->accept_invitation(inv->token, Secret::from_view("ana-password-1"), s.req);
    REQUIRE(session);
    const auto parent = session->principal;
    auto made = s.cases->create(parent, "Not allowed", "closed", s.req);
    REQUIRE_FALSE(made);
    CHECK(made.error().code == Errc::forbidden);
    auto invited = s.cases->invite(parent, c->id, {"parent", "X", "x@example.org", "", ""}, s.req);
    REQUIRE_FALSE(invited);
    CHECK(invited.error().code == Errc::forbidden);
    auto bad_role = s.cases->invite(clinician, c->id, {"grandparent", "X", "x@example.org", "", ""}, s.req);
    CHECK(bad_role.error().code == Errc::invalid_input);
}

TEST_CASE("a failed sign-in that cannot be recorded is refused with the recording error", "[accounts]") {
    Stack s;
    (void)s.clinician();
    const std::uint64_t audited = s.audit->size();
    s.audit->inject_failure(true);

    SECTION("a wrong password is refused as unavailable, not answered as an ordinary wrong password") {
        auto r = s.accounts->login("dana@example.org", Secret::from_view("not-the-password"), "", s.req);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::unavailable);
        CHECK(s.audit->size() == audited);
    }
    SECTION("an unknown account is refused the same way") {
        auto r = s.accounts->login("nobody@example.org", Secret::from_view("not-the-password"), "", s.req);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::unavailable);
    }
    SECTION("the right password does not get in either while nothing can be recorded") {
        auto r = s.accounts->login("dana@example.org", Secret::from_view("clinician-password-1"), "", s.req);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::unavailable);
    }
    SECTION("once the log can be written again, failures are recorded and answered as before") {
        s.audit->inject_failure(false);
        auto r = s.accounts->login("dana@example.org", Secret::from_view("not-the-password"), "", s.req);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::unauthenticated);
        CHECK(s.audit->size() == audited + 1);
    }
}
