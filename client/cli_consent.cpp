#include "client/cli_parts.h"
#include "client/consent_commands.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace kinvault::client {

namespace {

constexpr const char* k_term_help =
    R"(Order terms, one --term each (parties by id or by name; quote a name with a comma):
  custody joint|sole HOLDER[, HOLDER] [for CHILD[, CHILD]]
  mutual-consent DECISION[, DECISION] [for CHILD]     decisions: mental-health-treatment,
                                                      release-of-information, medical, education, other
  restrict WHO[, WHO] [from INFO[, INFO]] [about PARTY[, PARTY]] [: the order's words]
  protect PARTY[, PARTY] from PARTY[, PARTY]
  compel WHO[, WHO] to receive INFO[, INFO] [including psychotherapy-notes|substance-use] [: words]
  supersedes ORDER-ID [in AREA[, AREA]]                areas: legal-custody, physical-custody,
                                                      information-sharing, contact, protective, therapy, release
  areas AREA[, AREA]
WHO is a party or a whole role (parent, child, child-therapist, attorney, minors-counsel, court).
INFO is a document type (report, court-order, roi, clarification-letter, reunification-agreement, other)
or a category (attendance, payment, progress-report, assessment, session-summary, correspondence, legal).
Example:
  kinvault order add CASE --document DOC --court "Superior Court, Alameda" --case-number FL-2025-001 \
    --issued 2025-05-20 --effective 2025-06-01 \
    --term "custody joint Mary Rivera, Frank Rivera" \
    --term "mutual-consent mental-health-treatment" \
    --term "restrict Frank Rivera from session-summary about Sam: no session notes to Father")";

constexpr const char* k_roi_help =
    R"(Recipients: PARTY (that person only), counsel-of-record-for:PARTY (whoever is counsel for that
party when a release is asked for) or therapist-of:CHILD. Purposes: treatment, coordination-of-care,
reunification-therapy, legal-proceedings, payment, at-request-of-individual. Directions: both,
clinician-to-recipient, recipient-to-clinician. Statements: all, or right-to-revoke,
treatment-not-conditioned, redisclosure, right-to-copy. Dates are YYYY-MM-DD.
Example:
  kinvault roi create CASE --document DOC --subject CHILD --recipient therapist-of:CHILD \
    --type report --category session-summary --description "session summaries and progress reports" \
    --purpose coordination-of-care --expires 2027-01-01 --statements all --template-version roi-2025.1)";

// A command group registered by another file (cli.cpp), or nullptr.
CLI::App* group(CLI::App& app, const std::string& name) {
    try {
        return app.get_subcommand(name);
    } catch (const CLI::OptionNotFound&) {
        return nullptr;
    }
}

} // namespace

void register_consent_commands(CLI::App& app, Cli& cli, int& rc) {
    // ---------------------------------------------------------------------------------------------- roi
    auto* roi =
        app.add_subcommand("roi", "releases of information: prepare, validate, record signatures, revoke");
    roi->require_subcommand(1);
    auto create = std::make_shared<RoiCreateArgs>();
    auto* c =
        roi->add_subcommand("create", "prepare an ROI for its uploaded PDF (clinicians); starts as a draft");
    c->footer(k_roi_help);
    c->add_option("CASE", create->case_id)->required();
    c->add_option("--file", create->file, "the ROI as JSON (docs/consent.md); flags override its fields")
        ->check(CLI::ExistingFile);
    c->add_option("--document", create->document, "the ROI's PDF in the case (uploaded with --type roi)");
    c->add_option("--kind", create->kind, "general (default) or psychotherapy-notes");
    c->add_option("--subject", create->subject, "whose information (party id)");
    c->add_option("--discloser", create->discloser, "who discloses (default: you)");
    c->add_option("--recipient", create->recipients, "a recipient; repeat for several");
    c->add_option("--type", create->doc_types, "document types covered; repeat");
    c->add_option("--category", create->categories, "information categories covered; repeat");
    c->add_option("--from", create->from, "covers documents dated from");
    c->add_option("--until", create->until, "covers documents dated until");
    c->add_option("--sensitivity", create->sensitivity, "psychotherapy-notes or substance-use, when covered");
    c->add_option("--description", create->description, "the information in the form's words");
    c->add_option("--substance-use-description", create->substance_use_description,
                  "42 CFR 2.31(a)(3): what substance use information, explicitly");
    c->add_option("--purpose", create->purposes, "purposes; repeat");
    c->add_option("--direction", create->direction,
                  "both (default), clinician-to-recipient or recipient-to-clinician");
    c->add_option("--valid-from", create->valid_from, "first day it authorises");
    c->add_option("--expires", create->expires, "expiry date");
    c->add_option("--expiry-event", create->expiry_event, "subject-reaches-majority, case-closed or other");
    c->add_option("--expiry-event-description", create->expiry_event_description, "the event in words");
    c->add_option("--statements", create->statements, "required statements present on the form");
    c->add_option("--template-version", create->template_version, "the ROI template's version");
    c->add_option("--sha256", create->sha256, "SHA-256 of the rendered ROI (default: the uploaded PDF's)");
    c->add_option("--decision-subject", create->decision_subjects,
                  "decisions it touches (mutual-consent terms)");
    c->add_flag("--minor-consented", create->minor_consented,
                "about services the minor consented to personally");
    c->callback([&, create] { rc = cmd_roi_create(cli, *create); });

    // `roi update` takes the same flags as `roi create`, over the draft as it stands.
    auto update = std::make_shared<RoiCreateArgs>();
    auto update_id = std::make_shared<std::string>();
    auto* u = roi->add_subcommand("update",
                                  "change a draft ROI (clinicians): the flags of create, over what it holds");
    u->add_option("ROI", *update_id)->required();
    u->add_option("--file", update->file, "the whole ROI as JSON instead of what it holds")
        ->check(CLI::ExistingFile);
    u->add_option("--document", update->document);
    u->add_option("--kind", update->kind);
    u->add_option("--subject", update->subject);
    u->add_option("--discloser", update->discloser);
    u->add_option("--recipient", update->recipients, "replaces the recipients; repeat");
    u->add_option("--type", update->doc_types, "replaces the document types; repeat");
    u->add_option("--category", update->categories, "replaces the categories; repeat");
    u->add_option("--from", update->from);
    u->add_option("--until", update->until);
    u->add_option("--sensitivity", update->sensitivity);
    u->add_option("--description", update->description);
    u->add_option("--substance-use-description", update->substance_use_description);
    u->add_option("--purpose", update->purposes, "replaces the purposes; repeat");
    u->add_option("--direction", update->direction);
    u->add_option("--valid-from", update->valid_from);
    u->add_option("--expires", update->expires);
    u->add_option("--expiry-event", update->expiry_event);
    u->add_option("--expiry-event-description", update->expiry_event_description);
    u->add_option("--statements", update->statements, "statements now present on the form");
    u->add_option("--template-version", update->template_version);
    u->add_option("--sha256", update->sha256);
    u->add_option("--decision-subject", update->decision_subjects);
    u->add_flag("--minor-consented", update->minor_consented);
    u->callback([&, update, update_id] { rc = cmd_roi_update(cli, *update_id, *update); });

    auto id = std::make_shared<std::string>();
    auto* v = roi->add_subcommand("validate", "name every missing element (exit 0 complete, 5 defective)");
    v->add_option("ROI", *id)->required();
    v->callback([&, id] { rc = cmd_roi_validate(cli, *id); });

    auto sign = std::make_shared<RoiSignArgs>();
    auto* s = roi->add_subcommand("record-signature",
                                  "record a signed paper ROI (scanned and uploaded; clinicians)");
    s->add_option("ROI", sign->roi)->required();
    s->add_option("--signer", sign->signer, "the party who signed")->required();
    s->add_option("--capacity", sign->capacity, "self, parent-legal-custody, guardian or minor-self")
        ->check(CLI::IsMember({"self", "parent-legal-custody", "guardian", "minor-self",
                               "parent_legal_custody", "minor_self"}));
    s->add_option("--authority", sign->authority, "the court order relied on (its id)");
    s->add_option("--signed-on", sign->signed_on, "the date on the paper (default: now)");
    s->add_option("--evidence", sign->evidence,
                  "the scanned signed ROI's document id (default: the ROI's PDF)");
    s->callback([&, sign] { rc = cmd_roi_record_signature(cli, *sign); });

    auto recipient = std::make_shared<std::string>();
    auto by = std::make_shared<std::string>();
    auto* r = roi->add_subcommand("revoke", "revoke an ROI, whole or for one recipient (effective at once)");
    r->add_option("ROI", *id)->required();
    r->add_option("--recipient", *recipient, "revoke for this recipient only");
    r->add_option("--by", *by, "clinicians: the party whose revocation you received");
    r->callback([&, id, recipient, by] { rc = cmd_roi_revoke(cli, *id, *recipient, *by); });
    auto* re =
        roi->add_subcommand("reinstate", "after review, put a suspended ROI back in force (clinicians)");
    re->add_option("ROI", *id)->required();
    re->callback([&, id] { rc = cmd_roi_reinstate(cli, *id); });

    auto case_id = std::make_shared<std::string>();
    auto* l = roi->add_subcommand("list", "the ROIs of a case you may know of");
    l->add_option("CASE", *case_id)->required();
    l->callback([&, case_id] { rc = cmd_roi_list(cli, *case_id); });
    auto* sh = roi->add_subcommand("show", "one ROI: what it covers, who signed, whether it is in force");
    sh->add_option("ROI", *id)->required();
    sh->callback([&, id] { rc = cmd_roi_show(cli, *id); });
    auto format = std::make_shared<std::string>("fhir");
    auto out = std::make_shared<std::string>();
    auto* ex = roi->add_subcommand("export", "an ROI as an HL7 FHIR R5 Consent resource (JSON)");
    ex->add_option("ROI", *id)->required();
    ex->add_option("--format", *format, "fhir")->check(CLI::IsMember({"fhir"}));
    ex->add_option("-o,--output", *out, "file to write (default: standard output)");
    ex->callback([&, id, format, out] { rc = cmd_roi_export(cli, *id, *format, *out); });

    // -------------------------------------------------------------------------------------------- order
    auto* order = app.add_subcommand("order", "court orders and support plans as structured terms");
    order->require_subcommand(1);
    auto add = std::make_shared<OrderAddArgs>();
    auto* oa = order->add_subcommand("add", "record an uploaded order's terms (clinicians); verify it next");
    oa->footer(k_term_help);
    oa->add_option("CASE", add->case_id)->required();
    oa->add_option("--file", add->file, "the order as JSON, terms included (docs/consent.md)")
        ->check(CLI::ExistingFile);
    oa->add_option("--document", add->document, "the uploaded order (a court-order document)");
    oa->add_option("--kind", add->kind, "court-order (default) or support-plan");
    oa->add_option("--court", add->court, "the issuing court");
    oa->add_option("--case-number", add->case_number, "the court's case number");
    oa->add_option("--issued", add->issued, "date issued");
    oa->add_option("--effective", add->effective, "date effective (default: issued)");
    oa->add_option("--expires", add->expires, "date it expires, if it does");
    oa->add_option("--term", add->terms, "one term (see below); repeat");
    oa->callback([&, add] { rc = cmd_order_add(cli, *add); });
    auto* ov =
        order->add_subcommand("verify", "you checked it against the court's copy: it counts from now on");
    ov->add_option("ORDER", *id)->required();
    ov->callback([&, id] { rc = cmd_order_verify(cli, *id); });
    auto* ol = order->add_subcommand("list", "orders of a case");
    ol->add_option("CASE", *case_id)->required();
    ol->callback([&, case_id] { rc = cmd_order_list(cli, *case_id); });

    // ----------------------------------------------------------------- readiness, access, disclosures
    auto* ready =
        app.add_subcommand("readiness", "is every ROI needed to coordinate with each child's therapist "
                                        "signed and in force? (exit 0 ready, 6 not)");
    ready->add_option("CASE", *case_id)->required();
    ready->callback([&, case_id] { rc = cmd_readiness(cli, *case_id); });

    auto* access = app.add_subcommand("access", "why a person may or may not receive a document");
    access->require_subcommand(1);
    auto party = std::make_shared<std::string>();
    auto* explain = access->add_subcommand("explain", "the decision, the rule and the basis (clinicians)");
    explain->add_option("DOC", *id)->required();
    explain->add_option("--as", *party, "the party asking")->required();
    explain->callback([&, id, party] { rc = cmd_access_explain(cli, *id, *party); });

    auto* disc = app.add_subcommand("disclosures", "the accounting of disclosures of a case (clinicians)");
    disc->add_option("CASE", *case_id)->required();
    disc->add_option("--party", *party, "only what this party received");
    disc->callback([&, case_id, party] { rc = cmd_disclosures(cli, *case_id, *party); });

    // ------------------------------------------------------------------------------------------- letter
    auto* letter =
        app.add_subcommand("letter", "clarification letters: author submits, clinician reviews and releases");
    letter->require_subcommand(1);
    auto document = std::make_shared<std::string>();
    auto child = std::make_shared<std::string>();
    auto* lc = letter->add_subcommand("create", "register your uploaded letter (type clarification-letter)");
    lc->add_option("CASE", *case_id)->required();
    lc->add_option("--document", *document, "the letter's document")->required();
    lc->add_option("--child", *child, "the child it is for")->required();
    lc->callback([&, case_id, document, child] { rc = cmd_letter_create(cli, *case_id, *document, *child); });
    auto note = std::make_shared<std::string>();
    auto targets = std::make_shared<std::vector<std::string>>();
    auto* ls = letter->add_subcommand("submit", "send your letter (or its revision) to the clinician");
    ls->add_option("LETTER", *id)->required();
    ls->callback([&, id] { rc = cmd_letter_action(cli, *id, "submit", "", {}); });
    auto* lr = letter->add_subcommand("request-revisions", "ask the author for changes (clinicians)");
    lr->add_option("LETTER", *id)->required();
    lr->add_option("--note", *note, "what should change");
    lr->callback([&, id, note] { rc = cmd_letter_action(cli, *id, "request-revisions", *note, {}); });
    auto* lp = letter->add_subcommand("approve", "approve the letter (clinicians)");
    lp->add_option("LETTER", *id)->required();
    lp->callback([&, id] { rc = cmd_letter_action(cli, *id, "approve", "", {}); });
    auto* lrel = letter->add_subcommand("release",
                                        "release it to the child and/or the child's therapist (clinicians)");
    lrel->add_option("LETTER", *id)->required();
    lrel->add_option("--to", *targets, "the child or an individual therapist of the child; repeat")
        ->required();
    lrel->callback([&, id, targets] { rc = cmd_letter_action(cli, *id, "release", "", *targets); });
    auto* ll = letter->add_subcommand("list", "letters you may see");
    ll->add_option("CASE", *case_id)->required();
    ll->callback([&, case_id] { rc = cmd_letter_list(cli, *case_id); });

    // ------------------------------------------------- facts for the release engine, in existing groups
    auto minor = std::make_shared<bool>(false);
    if (auto* party_cmd = group(app, "party")) {
        auto* treats =
            party_cmd->add_subcommand("treats", "record which child a therapist treats (clinicians)");
        treats->add_option("THERAPIST", *id)->required();
        treats->add_option("--child", *child, "the child")->required();
        treats->add_flag("--minor-consented", *minor, "the child consented to this treatment personally");
        treats->callback([&, id, child, minor] { rc = cmd_party_treats(cli, *id, *child, *minor); });
        auto* subst =
            party_cmd->add_subcommand("substitute", "record that new counsel replaced a lawyer (clinicians)");
        subst->add_option("COUNSEL", *id)->required();
        subst->add_option("--by", *by, "the successor")->required();
        subst->callback([&, id, by] { rc = cmd_party_substitute(cli, *id, *by); });
    }
    if (auto* doc_cmd = group(app, "doc")) {
        auto classify = std::make_shared<ClassifyArgs>();
        auto* cl = doc_cmd->add_subcommand(
            "classify", "whose information a document holds, and how sensitive (clinicians)");
        cl->add_option("DOC", classify->document)->required();
        cl->add_option("--subject", classify->subjects, "whose information it is; repeat");
        cl->add_option("--contact-of", classify->contact_of, "whose contact details it shows; repeat");
        cl->add_option("--category", classify->category,
                       "general, attendance, payment, progress-report, assessment, session-summary, "
                       "correspondence, legal");
        cl->add_option("--sensitivity", classify->sensitivity,
                       "psychotherapy-notes or substance-use; repeat");
        cl->add_flag("--not-sensitive", classify->no_sensitivity, "clear the sensitivity flags");
        cl->callback([&, classify] { rc = cmd_doc_classify(cli, *classify); });
    }
    auto agreement = std::make_shared<AgreementArgs>();
    auto* ag =
        app.add_subcommand("agreement", "the reunification agreement in force (process mode, allowances)");
    ag->require_subcommand(1);
    auto* ar = ag->add_subcommand("record", "record an executed agreement or amendment (clinicians)");
    ar->footer(
        "Allowances read 'ROLES: CATEGORIES [whole-case]', e.g. --allow-closed \"attorney, minors-counsel: "
        "attendance, payment\". Without them the allowances of the agreement in force carry over. A mode "
        "change applies from now (or --effective, never earlier) on.");
    ar->add_option("CASE", agreement->case_id)->required();
    ar->add_option("--document", agreement->document, "the executed agreement (reunification-agreement)")
        ->required();
    ar->add_option("--mode", agreement->mode, "open or closed")->check(CLI::IsMember({"open", "closed"}));
    ar->add_option("--effective", agreement->effective, "when a mode change takes effect (default: now)");
    ar->add_option("--allow-closed", agreement->allow_closed,
                   "what may reach counsel/court in a closed process");
    ar->add_option("--allow-open", agreement->allow_open, "who receives what in an open process");
    ar->callback([&, agreement] { rc = cmd_agreement_record(cli, *agreement); });
}

} // namespace kinvault::client
