// Every `kinvault` command as a plain function over plain arguments; cli.cpp wires them to the command line.
#pragma once

#include "client/api_client.h"
#include "client/profile.h"

#include <optional>
#include <string>
#include <vector>

namespace kinvault::client {

struct Globals {
    std::string server;
    std::string ca;
    bool json{false};
};

class Cli {
public:
    Globals globals;
    Profile profile;
    // A client for the saved (or given) server; fails with a clear message when not signed in.
    [[nodiscard]] Result<ApiClient> api(bool need_session = true) const;
    [[nodiscard]] std::string server() const {
        return globals.server.empty() ? profile.server : globals.server;
    }
    [[nodiscard]] std::string ca() const { return globals.ca.empty() ? profile.ca : globals.ca; }
};

// Passwords: KINVAULT_PASSWORD, else a prompt on the terminal; never an argument.
[[nodiscard]] Result<std::string> read_password(const std::string& prompt, bool confirm);

int cmd_login(Cli& cli, const std::string& email, const std::string& totp);
int cmd_logout(Cli& cli);
int cmd_whoami(Cli& cli);
int cmd_totp_enrol(Cli& cli);
int cmd_totp_confirm(Cli& cli, const std::string& code);

int cmd_case_create(Cli& cli, const std::string& name, const std::string& mode);
int cmd_case_list(Cli& cli);
int cmd_case_show(Cli& cli, const std::string& case_id);

struct PartyInviteArgs {
    std::string case_id;
    std::string role;
    std::string name;
    std::string email;
    std::string represents;
    std::string date_of_birth;
};
int cmd_party_invite(Cli& cli, const PartyInviteArgs& args);
int cmd_party_list(Cli& cli, const std::string& case_id);
int cmd_party_reinvite(Cli& cli, const std::string& party_id);
int cmd_invitation_accept(Cli& cli, const std::string& link_or_token);

struct UploadArgs {
    std::string case_id;
    std::string type;
    std::string file;
    std::string title;
    std::string version_of;
};
int cmd_doc_upload(Cli& cli, const UploadArgs& args);
int cmd_doc_list(Cli& cli, const std::string& case_id);
int cmd_doc_show(Cli& cli, const std::string& doc_id);
int cmd_doc_get(Cli& cli, const std::string& doc_id, const std::string& out,
                std::optional<long long> version);
int cmd_doc_versions(Cli& cli, const std::string& doc_id);

int cmd_audit_list(Cli& cli, long long from, long long count);
int cmd_audit_verify(Cli& cli);

int cmd_verify_pdf(Cli& cli, const std::string& file, const std::vector<std::string>& roots);
struct SignLocalArgs {
    std::string key;
    std::string cert;
    std::string chain;
    std::string in;
    std::string out;
    std::string name;
    std::string reason;
};
int cmd_sign_local(Cli& cli, const SignLocalArgs& args);

} // namespace kinvault::client
