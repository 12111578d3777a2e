#pragma once

#include "client/commands.h"

#include <string>
#include <vector>

namespace kinvault::client {

struct EnvelopeCreateArgs {
    std::string case_id;
    std::string template_name;
    std::string document;
    std::string title;
    std::string roi;
    std::vector<std::string> values;
    std::vector<std::string> signers;
    std::vector<std::string> stamps; // PAGE:X,Y,W,H=TEXT (page 1-based)
    long long expires_days{14};
    bool send{false};
};

struct EnvelopeSignArgs {
    std::string envelope;
    std::vector<std::string> fields;
    std::string typed_signature;
    bool accept_disclosure{false};
    bool intent{false};
    std::string totp;
    std::string key;
    std::string cert;
    std::string chain;
    std::string keep_copy;
};

int cmd_template_list(Cli& cli);
int cmd_template_show(Cli& cli, const std::string& name);
int cmd_envelope_create(Cli& cli, const EnvelopeCreateArgs& args);
int cmd_envelope_action(Cli& cli, const std::string& env, const std::string& action,
                        const std::string& reason);
int cmd_envelope_list(Cli& cli, const std::string& case_id);
int cmd_envelope_sign(Cli& cli, const EnvelopeSignArgs& args);
int cmd_envelope_download(Cli& cli, const std::string& env, const std::string& out, bool certificate);

} // namespace kinvault::client
