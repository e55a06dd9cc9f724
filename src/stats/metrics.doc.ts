/**
 * The dashboard figures' definitions as implemented (metrics.ts, rollups.ts, queries.ts), in one
 * text: README.md's "Metrics" section holds it verbatim and the OpenAPI description of
 * `GET /api/v1/stats/summary` is this constant (metrics.doc.test.ts keeps the two equal).
 */
export const METRICS_DEFINITIONS = `Every figure is about the tickets **received** in the period \`[from, to)\` (by creation time, days in the centre's time zone). Merged tickets (已合并) are excluded from every figure. A *lead dispatch* is one assignment of the ticket to a lead unit (主办): a ticket dispatched, returned and re-dispatched has two. Co-handling (协办) units and sub-dispatches to a child unit are never counted as dispatches.

| figure | numerator | denominator | notes |
|---|---|---|---|
| \`received\` 受理量 | tickets received | — | |
| \`closed\` 办结量 | of those, closed now | — | closed: answered directly, callback recorded, or three unreachable callbacks |
| \`completionRate\` 办结率 | closed | received | |
| \`onTimeRate\` 按时办结率 | of the denominator's tickets, those answered directly or whose **first approved reply** came at or before the resolution deadline in force at that moment | closed tickets + open tickets already past their current \`dueAt\` (as of now) | judged once, when the first reply is approved (approved extensions included); a later reopen or dissatisfied callback sets a fresh \`dueAt\` but never changes the judgement; a ticket with no approved reply yet is not on time |
| \`responseRate\` 按时签收率 | lead dispatches signed at or before their \`signBy\` | lead dispatches whose outcome is known: signed; ended unsigned (recalled or returned) after \`signBy\`; or still unsigned past \`signBy\` (as of now) | a dispatch recalled or returned **before** its \`signBy\` without being signed is not judged (in neither count); one still unsigned before \`signBy\` is not judged yet |
| \`satisfactionRate\` 满意率 | satisfied + basically satisfied | tickets with a rated callback | each ticket's **latest rated** callback (\`unreachable\` never counts and never replaces a rating); open tickets with a rating count (a ticket being redone after a dissatisfied callback counts as dissatisfied) |
| \`satisfactionScore\` 满意度 | Σ weight of each latest rating | tickets with a rated callback | weights \`HOTLINE_SATISFACTION_WEIGHTS\` (default 100 / 80 / 0 for satisfied / basically satisfied / dissatisfied); 0..100 |
| \`resolutionRate\` 解决率 | latest rated callback says \`resolved = true\` | tickets with a rated callback | the same latest callback as the satisfaction rate |
| \`reopenRate\` 重办率 | closed tickets reopened at least once (a \`REOPEN\` or a dissatisfied callback) | closed | a ticket being redone counts once it is closed again, so the rate stays within 0..1 |
| \`returnRate\` 退单率 | lead dispatches that ended in an approved return | lead dispatches | |
| \`overdueOpen\` 超期未办结 | open tickets whose resolution deadline is still running and has passed its current \`dueAt\` (as of now) | — | running: with the unit (awaiting signature, being handled, return under review) or its reply under review — what the desk shows as 超期; a ticket whose reply was approved and that awaits its callback is not overdue (it was answered late, or on time), though it stays in the on-time denominator |
| \`warnings\` 预警 | open tickets not overdue whose current stage is flagged (as of now) | — | awaiting signature: \`signBy\` passed or the sign warning raised; being handled, in return review or reply review: the resolution warning raised; awaiting callback: \`callbackBy\` passed; first-response timers are not counted |

Rates are \`null\` when their denominator is 0.

**Attribution** (\`departmentId\` means that department and its whole subtree). Ticket figures (received, closed, on time, satisfaction, resolution, reopen, overdue, warnings) go to the department holding the ticket — the lead unit when it closed, or now while open; a ticket answered directly or never dispatched belongs to no department and appears only in the unfiltered totals. Dispatch figures (response, return) go to the department of each lead dispatch, so a returned ticket counts against the unit that returned it and the one that took it.`;
