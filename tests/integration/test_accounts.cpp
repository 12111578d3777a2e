// Accounts and sessions (issue 2 item 7, security.md "Web and API baseline"): tokens stored only hashed,
// logout, idle and absolute expiry, uniform answers for unknown accounts, sign-in caps per account and per
// address, and single-use, expiring invitations.
#include "integration_util.h"

#include <thread>

using namespace kvtest;

namespace {

constexpr const char* k_parent_email = "sam.okafor@example.org";
constexpr const char* k_parent_password = "sam-password-2024";

Response login_attempt(const Client& c, const std::string& email, const std::string& password) {
    return c.post_json("/api/v1/sessions", obj({{"email", email}, {"password", password}}));
}

void wait_seconds(double s) {
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(s * 1000)));
}

} // namespace

TEST_CASE("a session token is never stored in clear and signing out ends it", "[integration][accounts]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string token = clinician.token();
    REQUIRE(token.size() >= 22); // at least 128 bits in base64

    SECTION("the token appears in no file of the data directory, while running or stopped") {
        for (const auto& f : files_under(daemon.data_dir())) {
            INFO(f);
            CHECK(read_file(f).find(token) == std::string::npos);
        }
        (void)daemon.stop(); // its exit status is test_daemon.cpp's concern
        CHECK(sqlite(daemon.data_dir() + "/kinvault.db", "SELECT count(*) FROM sessions") == "1\n");
        for (const auto& f : files_under(daemon.data_dir())) {
            INFO(f);
            CHECK(read_file(f).find(token) == std::string::npos);
        }
    }

    SECTION("signing out ends that session only") {
        Client second(daemon.url(), daemon.ca_path());
        second.login(k_clinician_email, k_clinician_password);
        REQUIRE(clinician.request("DELETE", "/api/v1/sessions/current").status == 204);
        CHECK(clinician.get("/api/v1/me").status == 401);
        CHECK(second.get("/api/v1/me").status == 200);
    }

    SECTION("a made-up token is refused") {
        Client forger(daemon.url(), daemon.ca_path());
        forger.set_token(token.substr(0, token.size() - 1) + (token.back() == 'A' ? "B" : "A"));
        CHECK(forger.get("/api/v1/me").status == 401);
    }
}

TEST_CASE("sessions expire when idle and at their absolute limit", "[integration][accounts]") {
    DaemonOptions options;
    SECTION("an idle session ends after the idle limit") {
        options.env["KINVAULT_SESSION_IDLE_SECONDS"] = "2";
        options.env["KINVAULT_SESSION_ABSOLUTE_SECONDS"] = "3600";
        Daemon daemon(options);
        Client c(daemon.url(), daemon.ca_path());
        c.login(k_clinician_email, k_clinician_password);
        CHECK(c.get("/api/v1/me").status == 200);
        wait_seconds(3.5);
        const Response r = c.get("/api/v1/me");
        CHECK(r.status == 401);
        CHECK(r.body.find("session has ended") != std::string::npos);
    }
    SECTION("a session in steady use ends at the absolute limit") {
        options.env["KINVAULT_SESSION_IDLE_SECONDS"] = "3600";
        options.env["KINVAULT_SESSION_ABSOLUTE_SECONDS"] = "3";
        Daemon daemon(options);
        Client c(daemon.url(), daemon.ca_path());
        c.login(k_clinician_email, k_clinician_password);
        CHECK(c.get("/api/v1/me").status == 200);
        wait_seconds(1.5);
        CHECK(c.get("/api/v1/me").status == 200);
        wait_seconds(2.5);
        const Response r = c.get("/api/v1/me");
        CHECK(r.status == 401);
        CHECK(r.body.find("session has ended") != std::string::npos);
    }
}

// With an idle limit below 30 s, activity does not keep a session alive: Accounts::authenticate
// (daemon/services/accounts.cpp) refreshes last_seen at most every 30 seconds whatever the idle limit.
TEST_CASE("a session in steady use does not expire at the idle limit", "[integration][accounts]") {
    DaemonOptions options;
    options.env["KINVAULT_SESSION_IDLE_SECONDS"] = "4";
    Daemon daemon(options);
    Client c(daemon.url(), daemon.ca_path());
    c.login(k_clinician_email, k_clinician_password);
    for (int i = 0; i < 7; ++i) {
        INFO("request " << i << " after " << i << " s of steady use");
        REQUIRE(c.get("/api/v1/me").status == 200);
        wait_seconds(1);
    }
}

TEST_CASE("sign-in answers do not reveal which accounts exist, and failures are capped",
          "[integration][accounts]") {
    DaemonOptions options;
    SECTION("a wrong password and an unknown account get byte-identical answers") {
        Daemon daemon(options);
        Client c(daemon.url(), daemon.ca_path());
        const Response wrong = login_attempt(c, k_clinician_email, "not-the-password-1");
        const Response unknown = login_attempt(c, "nobody@example.org", "not-the-password-1");
        CHECK(wrong.status == 401);
        CHECK(wrong.status == unknown.status);
        CHECK(wrong.body == unknown.body);
    }
    SECTION("after a few failures an account backs off, even for the right password") {
        Daemon daemon(options);
        Client c(daemon.url(), daemon.ca_path());
        for (int i = 0; i < 5; ++i) {
            CHECK(login_attempt(c, k_clinician_email, "wrong-password-" + std::to_string(i)).status == 401);
        }
        const Response r = login_attempt(c, k_clinician_email, k_clinician_password);
        CHECK(r.status == 429);
        CHECK(r.error_code() == "rate_limited");
    }
    SECTION("the per-account cap blocks that account while others still sign in from the same address") {
        options.env["KINVAULT_LOGIN_ACCOUNT_CAP_PER_HOUR"] = "3";
        Daemon daemon(options);
        Client c(daemon.url(), daemon.ca_path());
        c.login(k_clinician_email, k_clinician_password);
        const std::string case_id = create_case(c, "Caps");
        (void)join_case(c, case_id, "parent", "Sam Okafor", k_parent_email, k_parent_password);
        for (int i = 0; i < 3; ++i) {
            CHECK(login_attempt(c, k_clinician_email, "wrong-password-" + std::to_string(i)).status == 401);
        }
        const Response blocked = login_attempt(c, k_clinician_email, k_clinician_password);
        CHECK(blocked.status == 429);
        CHECK(blocked.error_code() == "rate_limited");
        CHECK(login_attempt(c, k_parent_email, k_parent_password).status == 201);
    }
    SECTION("the per-address cap blocks every account from that address") {
        options.env["KINVAULT_LOGIN_ADDRESS_CAP_PER_HOUR"] = "3";
        Daemon daemon(options);
        Client c(daemon.url(), daemon.ca_path());
        for (int i = 0; i < 3; ++i) {
            CHECK(login_attempt(c, "guess" + std::to_string(i) + "@example.org", "some-password-1").status ==
                  401);
        }
        const Response blocked = login_attempt(c, k_clinician_email, k_clinician_password);
        CHECK(blocked.status == 429);
        CHECK(blocked.error_code() == "rate_limited");
    }
}

TEST_CASE("an invitation works once and not after it expires", "[integration][accounts]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    Client anonymous(daemon.url(), daemon.ca_path());
    const std::string case_id = create_case(clinician, "Invitations");
    const Response invited =
        clinician.post_json("/api/v1/cases/" + case_id + "/parties",
                            obj({{"role", "parent"}, {"name", "Sam Okafor"}, {"email", k_parent_email}}));
    REQUIRE(invited.status == 201);
    const std::string token = invited.json()->getValue<std::string>("token");

    SECTION("a second acceptance of the same link is refused and does not change the password") {
        REQUIRE(anonymous
                    .post_json("/api/v1/invitations/accept",
                               obj({{"token", token}, {"password", k_parent_password}}))
                    .status == 201);
        const Response again = anonymous.post_json(
            "/api/v1/invitations/accept", obj({{"token", token}, {"password", "hijack-password-9"}}));
        CHECK(again.status == 410);
        CHECK(again.error_code() == "gone");
        CHECK(login_attempt(anonymous, k_parent_email, "hijack-password-9").status == 401);
        CHECK(login_attempt(anonymous, k_parent_email, k_parent_password).status == 201);
    }

    SECTION("an unknown invitation token is refused") {
        const Response r = anonymous.post_json(
            "/api/v1/invitations/accept", obj({{"token", token + "x"}, {"password", k_parent_password}}));
        CHECK(r.status == 404);
    }

    SECTION("an expired invitation is refused") {
        // The daemon runs on the system clock, so the invitation is aged in the stopped vault instead.
        (void)daemon.stop(); // its exit status is test_daemon.cpp's concern
        (void)sqlite(daemon.data_dir() + "/kinvault.db",
                     "UPDATE invitations SET expires_at = created_at - 1");
        daemon.start();
        Client later(daemon.url(), daemon.ca_path());
        const Response peek = later.post_json("/api/v1/invitations/peek", obj({{"token", token}}));
        CHECK(peek.status == 410);
        CHECK(peek.body.find("expired") != std::string::npos);
        const Response accept = later.post_json("/api/v1/invitations/accept",
                                                obj({{"token", token}, {"password", k_parent_password}}));
        CHECK(accept.status == 410);
        CHECK(login_attempt(later, k_parent_email, k_parent_password).status == 401);
    }

    SECTION("an invitation is valid for seven days") {
        const std::string expires = invited.json()->getValue<std::string>("expires_at");
        (void)daemon.stop(); // its exit status is test_daemon.cpp's concern
        const std::string row =
            sqlite(daemon.data_dir() + "/kinvault.db", "SELECT expires_at - created_at FROM invitations");
        CHECK(row == std::to_string(7 * 24 * 3600) + "\n");
        CHECK_FALSE(expires.empty());
    }
}

// A re-issued invitation replaces the earlier link: a link that was lost or sent to the wrong address must
// stop working once the clinician issues a new one. Cases::reinvite (daemon/services/cases.cpp) only adds a
// new invitation, so the earlier link still lets whoever holds it join the case.
TEST_CASE("re-inviting a party revokes the earlier invitation link", "[integration][accounts]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    Client anonymous(daemon.url(), daemon.ca_path());
    const std::string case_id = create_case(clinician, "Invitations");
    const Response invited =
        clinician.post_json("/api/v1/cases/" + case_id + "/parties",
                            obj({{"role", "parent"}, {"name", "Sam Okafor"}, {"email", k_parent_email}}));
    REQUIRE(invited.status == 201);
    const std::string old_token = invited.json()->getValue<std::string>("token");
    const std::string party_id = invited.json()->getObject("party")->getValue<std::string>("id");
    REQUIRE(clinician.request("POST", "/api/v1/parties/" + party_id + "/invitation").status == 201);

    const Response old = anonymous.post_json(
        "/api/v1/invitations/accept", obj({{"token", old_token}, {"password", "someone-else-password"}}));
    CHECK(old.status >= 400);
}
