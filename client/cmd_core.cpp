#include "client/commands.h"
#include "client/output.h"
#include "crypto/secret_prompt.h"

#include <iostream>

namespace kinvault::client {

Result<ApiClient> Cli::api(bool need_session) const {
    if (server().empty()) {
        return make_error(Errc::invalid_input, "no server: pass --server https://HOST:PORT --ca ROOT.pem");
    }
    if (need_session && profile.token.empty()) {
        return make_error(Errc::unauthenticated, "not signed in: run `kinvault login EMAIL` first");
    }
    return ApiClient(server(), ca(), need_session ? profile.token : std::string());
}

Result<std::string> read_password(const std::string& prompt, bool confirm) {
    const crypto::Secret env = crypto::secret_from_env("KINVAULT_PASSWORD");
    if (!env.empty()) {
        return std::string(env.view());
    }
    auto first = crypto::prompt_secret(prompt);
    if (!first) {
        return make_error(Errc::invalid_input, "no password: set KINVAULT_PASSWORD or run in a terminal");
    }
    if (confirm) {
        auto again = crypto::prompt_secret("Repeat: ");
        if (!again || !again->equals(*first)) {
            return make_error(Errc::invalid_input, "the passwords do not match");
        }
    }
    return std::string(first->view());
}

namespace {

int save_session(Cli& cli, const Poco::JSON::Object::Ptr& session, const std::string& email) {
    cli.profile.server = cli.server();
    cli.profile.ca = cli.ca();
    cli.profile.token = str(session, "token");
    cli.profile.email = email;
    Status st = save_profile(cli.profile);
    if (!st) {
        return report(st.error());
    }
    if (cli.globals.json) {
        Poco::JSON::Object::Ptr out = new Poco::JSON::Object();
        out->set("user", session->getObject("user"));
        out->set("expires_at", str(session, "expires_at"));
        print_json(out);
    } else {
        const auto user = session->getObject("user");
        std::cout << "Signed in as " << str(user, "name") << " <" << str(user, "email") << ">; session ends "
                  << str(session, "expires_at") << "\n";
    }
    return exit_ok;
}

} // namespace

int cmd_login(Cli& cli, const std::string& email, const std::string& totp_in) {
    auto api = cli.api(false);
    if (!api) {
        return report(api.error());
    }
    auto password = read_password("Password for " + email + ": ", false);
    if (!password) {
        return report(password.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("email", email);
    body->set("password", *password);
    std::string totp = totp_in;
    if (!totp.empty()) {
        body->set("totp", totp);
    }
    auto session = api->call("POST", "/api/v1/sessions", body);
    if (!session && session.error().code == Errc::second_factor && totp.empty()) {
        auto code = crypto::prompt_secret("Code from your authenticator app: ");
        if (!code) {
            return report(session.error());
        }
        body->set("totp", std::string(code->view()));
        session = api->call("POST", "/api/v1/sessions", body);
    }
    if (!session) {
        return report(session.error());
    }
    return save_session(cli, *session, email);
}

int cmd_logout(Cli& cli) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("DELETE", "/api/v1/sessions/current");
    cli.profile.token.clear();
    Status st = save_profile(cli.profile);
    if (!r && r.error().code != Errc::unauthenticated) {
        return report(r.error());
    }
    if (!st) {
        return report(st.error());
    }
    if (!cli.globals.json) {
        std::cout << "Signed out.\n";
    }
    return exit_ok;
}

int cmd_whoami(Cli& cli) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto me = api->call("GET", "/api/v1/me");
    if (!me) {
        return report(me.error());
    }
    if (cli.globals.json) {
        print_json(*me);
    } else {
        std::cout << str(*me, "name") << " <" << str(*me, "email") << "> (" << str(*me, "kind") << ", "
                  << str(*me, "user_id") << ")\n";
    }
    return exit_ok;
}

int cmd_totp_enrol(Cli& cli) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("POST", "/api/v1/me/totp");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Add this to your authenticator app, then run `kinvault totp confirm CODE`:\n"
                  << str(*r, "otpauth_uri") << "\n";
    }
    return exit_ok;
}

int cmd_totp_confirm(Cli& cli, const std::string& code) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("code", code);
    auto r = api->call("POST", "/api/v1/me/totp/confirm", body);
    if (!r) {
        return report(r.error());
    }
    if (!cli.globals.json) {
        std::cout << "Authenticator app enrolled: sign-ins and signatures now ask for a code.\n";
    }
    return exit_ok;
}

int cmd_case_create(Cli& cli, const std::string& name, const std::string& mode) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("name", name);
    body->set("mode", mode);
    auto c = api->call("POST", "/api/v1/cases", body);
    if (!c) {
        return report(c.error());
    }
    if (cli.globals.json) {
        print_json(*c);
    } else {
        std::cout << "Opened case " << str(*c, "id") << " (" << str(*c, "name") << ", " << str(*c, "mode")
                  << " process)\n";
    }
    return exit_ok;
}

int cmd_case_list(Cli& cli) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/cases");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"ID", "NAME", "MODE", "MY ROLE", "OPENED"});
    for (const auto& v : *items(*r)) {
        const auto c = v.extract<Poco::JSON::Object::Ptr>();
        std::string roles;
        for (const auto& role : *c->getArray("my_roles")) {
            roles += (roles.empty() ? "" : ",") + role.convert<std::string>();
        }
        t.row({str(c, "id"), str(c, "name"), str(c, "mode"), roles, str(c, "created_at")});
    }
    t.print();
    return exit_ok;
}

int cmd_case_show(Cli& cli, const std::string& case_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto c = api->call("GET", "/api/v1/cases/" + url_encode(case_id));
    if (!c) {
        return report(c.error());
    }
    if (cli.globals.json) {
        print_json(*c);
        return exit_ok;
    }
    std::cout << "Case     " << str(*c, "id") << "\nName     " << str(*c, "name") << "\nProcess  "
              << str(*c, "mode") << "\nStatus   " << str(*c, "status") << "\nOpened   "
              << str(*c, "created_at") << "\n";
    return exit_ok;
}

int cmd_party_invite(Cli& cli, const PartyInviteArgs& a) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("role", a.role);
    body->set("name", a.name);
    body->set("email", a.email);
    if (!a.represents.empty()) {
        body->set("represents", a.represents);
    }
    if (!a.date_of_birth.empty()) {
        body->set("date_of_birth", a.date_of_birth);
    }
    auto r = api->call("POST", "/api/v1/cases/" + url_encode(a.case_id) + "/parties", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
        return exit_ok;
    }
    const auto party = (*r)->getObject("party");
    std::cout << "Invited " << str(party, "name") << " as " << str(party, "role") << " (party "
              << str(party, "id") << ").\nInvitation link (single use, expires " << str(*r, "expires_at")
              << "):\n"
              << str(*r, "link") << "\n";
    return exit_ok;
}

int cmd_party_reinvite(Cli& cli, const std::string& party_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("POST", "/api/v1/parties/" + url_encode(party_id) + "/invitation");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "New invitation link (expires " << str(*r, "expires_at") << "):\n"
                  << str(*r, "link") << "\n";
    }
    return exit_ok;
}

int cmd_party_list(Cli& cli, const std::string& case_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/cases/" + url_encode(case_id) + "/parties");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"ID", "ROLE", "NAME", "E-MAIL", "REPRESENTS", "STATUS"});
    for (const auto& v : *items(*r)) {
        const auto p = v.extract<Poco::JSON::Object::Ptr>();
        t.row({str(p, "id"), str(p, "role"), str(p, "name"), str(p, "email"), str(p, "represents"),
               str(p, "status")});
    }
    t.print();
    return exit_ok;
}

int cmd_invitation_accept(Cli& cli, const std::string& link_or_token) {
    std::string token = link_or_token;
    std::string server = cli.server();
    const auto hash = link_or_token.find('#');
    if (hash != std::string::npos) {
        token = link_or_token.substr(hash + 1);
        const auto invite = link_or_token.find("/invite");
        if (cli.globals.server.empty() && invite != std::string::npos) {
            server = link_or_token.substr(0, invite);
            cli.globals.server = server;
        }
    }
    if (token.rfind("t=", 0) == 0) {
        token = token.substr(2);
    }
    auto api = cli.api(false);
    if (!api) {
        return report(api.error());
    }
    Poco::JSON::Object::Ptr peek = new Poco::JSON::Object();
    peek->set("token", token);
    auto info = api->call("POST", "/api/v1/invitations/peek", peek);
    if (!info) {
        return report(info.error());
    }
    const bool existing = (*info)->optValue<bool>("account_exists", false);
    if (!cli.globals.json) {
        std::cout << "Invitation for " << str(*info, "name") << " <" << str(*info, "email") << "> as "
                  << str(*info, "role") << ".\n";
    }
    auto password = read_password(
        existing ? "Your existing Kinvault password: " : "Choose a password (10+ characters): ", !existing);
    if (!password) {
        return report(password.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("token", token);
    body->set("password", *password);
    auto session = api->call("POST", "/api/v1/invitations/accept", body);
    if (!session) {
        return report(session.error());
    }
    return save_session(cli, *session, str(*info, "email"));
}

} // namespace kinvault::client
