// Core vocabulary of a reunification case. Pure types, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kinvault::domain {

// How a party takes part in a case (domain.md, "Who uses Kinvault").
enum class Role {
    parent,
    child,
    clinician,
    child_therapist,
    attorney,       // attorney for a named party (represents)
    minors_counsel, // minor's counsel
    court,
};

// Document kinds; each has its own lifecycle (domain.md, "Document types and lifecycles").
enum class DocType {
    reunification_agreement,
    roi,
    court_order,
    clarification_letter,
    report,
    other,
};

// Open: reports go to the attorneys/court as the agreement says. Closed: nothing beyond what the agreement
// allows reaches attorneys or the court.
enum class ProcessMode { open, closed };

// Account kinds at the practice level. Case-level powers come from Role.
enum class AccountKind { clinician, member };

[[nodiscard]] std::string_view to_string(Role r);
[[nodiscard]] std::string_view to_string(DocType t);
[[nodiscard]] std::string_view to_string(ProcessMode m);
[[nodiscard]] std::string_view to_string(AccountKind k);
[[nodiscard]] std::optional<Role> parse_role(std::string_view text);
[[nodiscard]] std::optional<DocType> parse_doc_type(std::string_view text);
[[nodiscard]] std::optional<ProcessMode> parse_process_mode(std::string_view text);
[[nodiscard]] std::optional<AccountKind> parse_account_kind(std::string_view text);

} // namespace kinvault::domain
