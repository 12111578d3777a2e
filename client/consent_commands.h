// `kinvault` consent commands (issue 3): roi, order, readiness, access explain, disclosures, letter, and the
// facts the clinician records for the release engine (party treats/substitute, doc classify, agreement).
#pragma once

#include "client/commands.h"

#include <string>
#include <vector>

namespace kinvault::client {

struct RoiCreateArgs {
    std::string case_id;
    std::string file; // a JSON ROI; flags given as well override its fields
    std::string document;
    std::string kind;
    std::string subject;
    std::string discloser;
    std::vector<std::string> recipients; // PARTY, counsel-of-record-for:PARTY or therapist-of:PARTY
    std::vector<std::string> doc_types;
    std::vector<std::string> categories;
    std::string from;
    std::string until;
    std::vector<std::string> sensitivity;
    std::string description;
    std::string substance_use_description;
    std::vector<std::string> purposes;
    std::string direction;
    std::string valid_from;
    std::string expires;
    std::string expiry_event;
    std::string expiry_event_description;
    std::vector<std::string>
        statements; // right-to-revoke, treatment-not-conditioned, redisclosure, right-to-copy, all
    std::string template_version;
    std::string sha256;
    std::vector<std::string> decision_subjects;
    bool minor_consented{false};
};

struct RoiSignArgs {
    std::string roi;
    std::string signer;
    std::string capacity{"self"};
    std::string authority;
    std::string signed_on;
    std::string evidence;
};

struct OrderAddArgs {
    std::string case_id;
    std::string file; // a JSON order (terms included); flags given as well override its fields
    std::string document;
    std::string kind;
    std::string court;
    std::string case_number;
    std::string issued;
    std::string effective;
    std::string expires;
    std::vector<std::string> terms;
};

struct ClassifyArgs {
    std::string document;
    std::vector<std::string> subjects;
    std::vector<std::string> contact_of;
    std::string category;
    std::vector<std::string> sensitivity;
    bool no_sensitivity{false};
};

struct AgreementArgs {
    std::string case_id;
    std::string document;
    std::string mode;
    std::string effective;
    std::vector<std::string> allow_closed; // "ROLES: CATEGORIES [whole-case]"
    std::vector<std::string> allow_open;
};

int cmd_roi_create(Cli& cli, const RoiCreateArgs& args);
// Changes a draft: the ROI as it stands (or --file), with the flags given over it.
int cmd_roi_update(Cli& cli, const std::string& roi, const RoiCreateArgs& args);
int cmd_roi_validate(Cli& cli, const std::string& roi);
int cmd_roi_record_signature(Cli& cli, const RoiSignArgs& args);
int cmd_roi_revoke(Cli& cli, const std::string& roi, const std::string& recipient, const std::string& by);
int cmd_roi_reinstate(Cli& cli, const std::string& roi);
int cmd_roi_list(Cli& cli, const std::string& case_id);
int cmd_roi_show(Cli& cli, const std::string& roi);
int cmd_roi_export(Cli& cli, const std::string& roi, const std::string& format, const std::string& out);

int cmd_order_add(Cli& cli, const OrderAddArgs& args);
int cmd_order_verify(Cli& cli, const std::string& order);
int cmd_order_list(Cli& cli, const std::string& case_id);

int cmd_readiness(Cli& cli, const std::string& case_id);
int cmd_access_explain(Cli& cli, const std::string& document, const std::string& party);
int cmd_disclosures(Cli& cli, const std::string& case_id, const std::string& party);

int cmd_letter_create(Cli& cli, const std::string& case_id, const std::string& document,
                      const std::string& child);
int cmd_letter_action(Cli& cli, const std::string& letter, const std::string& action, const std::string& note,
                      const std::vector<std::string>& targets);
int cmd_letter_list(Cli& cli, const std::string& case_id);

int cmd_party_treats(Cli& cli, const std::string& therapist, const std::string& child, bool minor_consented);
int cmd_party_substitute(Cli& cli, const std::string& counsel, const std::string& successor);
int cmd_doc_classify(Cli& cli, const ClassifyArgs& args);
int cmd_agreement_record(Cli& cli, const AgreementArgs& args);

} // namespace kinvault::client
