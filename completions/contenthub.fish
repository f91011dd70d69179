# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_contenthub_global_optspecs
    string join \n db= config= format= q/quiet color= y/yes h/help V/version
end

function __fish_contenthub_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_contenthub_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_contenthub_using_subcommand
    set -l cmd (__fish_contenthub_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c contenthub -n "__fish_contenthub_needs_command" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_needs_command" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_needs_command" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_needs_command" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_needs_command" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_needs_command" -s V -l version -d 'Print version'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "task" -d 'Submit, inspect, cancel, retry and clean up generation tasks'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "account" -d 'Manage the accounts content is written for'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "content" -d 'Review and export generated content'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "scheduler" -d 'Cron-driven plans that queue tasks on a schedule'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "daemon" -d 'Run the generation daemon, or control one running in the background'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "monitor" -d 'Health checks, metrics, daily stats, a live view and alerts'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "deliveries" -d 'Outgoing callbacks and notifications (the outbox)'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "store" -d 'Inspect, check, back up, restore and copy the store'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "config" -d 'Create and inspect the config file'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c contenthub -n "__fish_contenthub_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "submit" -d 'Queue an article for generation (or many, from a JSONL/CSV file)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "list" -d 'List tasks, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "show" -d 'Show every field of a task'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "status" -d 'Show every field of a task'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "log" -d 'Show a task\'s history of status changes'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "cancel" -d 'Cancel pending, submitted or processing tasks'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "retry" -d 'Put failed, timed-out or cancelled tasks back in the queue'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "stats" -d 'Count tasks per status'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "wait" -d 'Wait until tasks finish; exits 0 only if every one completed'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "cleanup" -d 'Delete finished tasks older than a given age (their content stays)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and not __fish_seen_subcommand_from submit list show status log cancel retry stats wait cleanup help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s a -l account -d 'Account id or name' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s t -l topic -d 'What to write about (1–500 characters)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s k -l keywords -d 'Keywords, comma-separated: rust,tokio' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s c -l category -d 'Category (default: the account\'s)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s r -l requirements -d 'Extra requirements for the writer (up to 2,000 characters)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l tone -d 'Tone (default: the account\'s)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s p -l priority -d '1..10, higher runs sooner [default: 5]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l review -d 'How the content is reviewed: auto, rules or manual [default: the account\'s setting]' -r -f -a "auto\t'Approved as it arrives'
rules\t'The review rules approve it, hold it for a person or send it back for a new draft'
manual\t'Held for a person'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l max-retries -d 'Retries allowed after a failure, 0..100 [default: 3]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l timeout -d 'Overall deadline from submission, e.g. 30m, 2h [default: 30m]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l callback-url -d 'URL that receives task.completed / task.failed events' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l generator -d 'Generator profile from the config (or `template`)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l idempotency-key -d 'Submitting the same key again returns the first task instead of a new one' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l from-file -d 'Submit every task in a .jsonl or .csv file (`-` reads stdin)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l wait-timeout -d 'With --wait: how long to wait at most' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l auto-approve -d 'The same as --review auto'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l no-auto-approve -d 'The same as --review manual'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l skip-similar -d 'Queue nothing when the topic is nearly identical to a pending or recent task of the account (without it, such a topic is queued with a warning)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -l wait -d 'Block until the task is finished (exit 0 only if it completed)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from submit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -s s -l status -d 'Only these statuses (repeatable, or comma-separated)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -s a -l account -d 'Only this account (id or name)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l since -d 'Created at or after: RFC 3339, a date, or an age like 24h' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l until -d 'Created before: RFC 3339, a date, or an age like 1h' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -s n -l limit -d 'At most this many (0 = all)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l sort -d 'Order' -r -f -a "created\t'Newest first'
priority\t'Most urgent first'
updated\t'Most recently updated first'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -l reverse -d 'Reverse the order'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -l all-failed -d 'Retry every failed and timed-out task'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -l force -d 'Retry even past max_retries'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -s a -l account -d 'Only this account (id or name)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -l timeout -d 'Stop waiting after this long (exit 1)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -l all -d 'Wait for every task that is unfinished now'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -l older-than -d 'Delete finished tasks last updated longer ago than this, e.g. 30d' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -l dry-run -d 'Only count what would be deleted'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from cleanup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "submit" -d 'Queue an article for generation (or many, from a JSONL/CSV file)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "list" -d 'List tasks, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show every field of a task'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "log" -d 'Show a task\'s history of status changes'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel pending, submitted or processing tasks'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Put failed, timed-out or cancelled tasks back in the queue'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Count tasks per status'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "wait" -d 'Wait until tasks finish; exits 0 only if every one completed'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "cleanup" -d 'Delete finished tasks older than a given age (their content stays)'
complete -c contenthub -n "__fish_contenthub_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -f -a "add" -d 'Add an account'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -f -a "list" -d 'List accounts'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -f -a "show" -d 'Show an account'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -f -a "edit" -d 'Change an account (an empty text value clears it)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -f -a "remove" -d 'Remove an account with its tasks and content'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and not __fish_seen_subcommand_from add list show edit remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l display-name -d 'Name shown to people' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l platform -d 'Where it publishes: wechat, blog, newsletter, …' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l language -d 'ISO 639 language code with optional region: zh, zh-CN, en-US' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l tone -d 'Default tone of voice' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l category -d 'Default category' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l persona -d 'Persona and style notes for the writer' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l min-words -d 'Shortest acceptable article, in words (CJK: characters)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l max-words -d 'Longest acceptable article' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l forbidden-words -d 'Words the content must not use, comma-separated' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l review -d 'How content is reviewed: auto (approved as it arrives), rules (the review rules decide) or manual (held for a person) [default: rules when [review] is configured, else auto]' -r -f -a "auto\t'Approved as it arrives'
rules\t'The review rules approve it, hold it for a person or send it back for a new draft'
manual\t'Held for a person'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l review-rule -d 'Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the override' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l auto-approve -d 'The same as --review auto'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -l no-auto-approve -d 'The same as --review manual'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l name -d 'Rename the account' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l display-name -d 'Name shown to people' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l platform -d 'Where it publishes: wechat, blog, newsletter, …' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l language -d 'ISO 639 language code with optional region: zh, zh-CN, en-US' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l tone -d 'Default tone of voice' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l category -d 'Default category' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l persona -d 'Persona and style notes for the writer' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l min-words -d 'Shortest acceptable article, in words (CJK: characters)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l max-words -d 'Longest acceptable article' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l forbidden-words -d 'Words the content must not use, comma-separated' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l review -d 'How content is reviewed: auto (approved as it arrives), rules (the review rules decide) or manual (held for a person) [default: rules when [review] is configured, else auto]' -r -f -a "auto\t'Approved as it arrives'
rules\t'The review rules approve it, hold it for a person or send it back for a new draft'
manual\t'Held for a person'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l review-rule -d 'Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the override' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l auto-approve -d 'The same as --review auto'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -l no-auto-approve -d 'The same as --review manual'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -l force -d 'Also remove its unfinished tasks'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an account'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "list" -d 'List accounts'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show an account'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change an account (an empty text value clears it)'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove an account with its tasks and content'
complete -c contenthub -n "__fish_contenthub_using_subcommand account; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "list" -d 'List generated content, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "show" -d 'Show a content item (by content id, or by the task id that produced it)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "approve" -d 'Approve content held for review'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "reject" -d 'Reject content'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "recheck" -d 'Run the review rules again on stored content (after the config or an account\'s rules changed)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "export" -d 'Write content to files for a publisher: Markdown with front matter, or JSON'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and not __fish_seen_subcommand_from list show approve reject recheck export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -s a -l account -d 'Only this account (id or name)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l review -d 'Only this review state' -r -f -a "pending\t''
approved\t''
rejected\t''
all\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l reason -d 'Only content whose review found this check failed: word_range, forbidden_word, required_keyword, structure, placeholder, language, quality_score, near_duplicate (repeatable: all of them)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l since -d 'Created at or after: RFC 3339, a date, or an age like 24h' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -s n -l limit -d 'At most this many (0 = all)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -l body -d 'Print only the Markdown body (for piping)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -l steps -d 'Print the generation steps it was written in (outline, draft, polish): each step\'s profile, model, tokens and text'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -l reason -d 'Why it was rejected (kept with the content)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from reject" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -l all-held -d 'Every content item held for review'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from recheck" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l dir -d 'Directory to write into (created if needed)' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l review -d 'Which review state to export' -r -f -a "pending\t''
approved\t''
rejected\t''
all\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l as -d 'File format' -r -f -a "markdown\t''
json\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -s a -l account -d 'Only this account (id or name)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l since -d 'Created at or after: RFC 3339, a date, or an age like 24h' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -l with-images -d 'Download each item\'s images into a folder beside its file and link the body to them'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "list" -d 'List generated content, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a content item (by content id, or by the task id that produced it)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "approve" -d 'Approve content held for review'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "reject" -d 'Reject content'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "recheck" -d 'Run the review rules again on stored content (after the config or an account\'s rules changed)'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write content to files for a publisher: Markdown with front matter, or JSON'
complete -c contenthub -n "__fish_contenthub_using_subcommand content; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "add" -d 'Add a plan: a cron schedule that queues tasks for one or more accounts'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "list" -d 'List plans'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "show" -d 'Show a plan with its next five fire times'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "edit" -d 'Change a plan'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "enable" -d 'Enable a plan (it counts slots from now; nothing missed while disabled fires)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "disable" -d 'Disable a plan'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "remove" -d 'Remove a plan and its history (its tasks stay)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "trigger" -d 'Fire a plan now, recorded as a manual run'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "run" -d 'Fire what is due (for cron or a systemd timer)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "next" -d 'Show upcoming fire times'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "history" -d 'Show fired slots, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "status" -d 'Show what drives the plans and how late the most overdue one is'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and not __fish_seen_subcommand_from add list show edit enable disable remove trigger run next history status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l cron -d 'Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l tz -d 'IANA time zone [default: the machine\'s]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s a -l account -d 'Account id or name (repeatable)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l count -d 'Tasks per account per fire' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s t -l topic -d 'A topic (repeatable); used round-robin per account, no repeats until all are used' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l topics-file -d 'A file with one topic per line (read at each fire)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s c -l category -d 'Category of the tasks' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s k -l keywords -d 'Keywords, comma-separated' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s p -l priority -d 'Priority of the tasks, 1..10' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l catch-up -d 'What to do with slots missed while nothing ran' -r -f -a "skip\t'After downtime, fire nothing that is late'
latest\t'After downtime, fire the most recent missed slot once'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l auto-approve -d 'Approve the content automatically'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l no-auto-approve -d 'Hold the content for review'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l skip-similar -d 'Skip a topic nearly identical to a pending or recent task of the account (the run records it) instead of only noting it'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l no-skip-similar -d 'Queue such a topic anyway, noting it on the run (the default)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -l disabled -d 'Create it disabled'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l name -d 'Rename the plan' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l cron -d 'Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l tz -d 'IANA time zone [default: the machine\'s]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s a -l account -d 'Account id or name (repeatable)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l count -d 'Tasks per account per fire' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s t -l topic -d 'A topic (repeatable); used round-robin per account, no repeats until all are used' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l topics-file -d 'A file with one topic per line (read at each fire)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s c -l category -d 'Category of the tasks' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s k -l keywords -d 'Keywords, comma-separated' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s p -l priority -d 'Priority of the tasks, 1..10' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l catch-up -d 'What to do with slots missed while nothing ran' -r -f -a "skip\t'After downtime, fire nothing that is late'
latest\t'After downtime, fire the most recent missed slot once'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l auto-approve -d 'Approve the content automatically'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l no-auto-approve -d 'Hold the content for review'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l skip-similar -d 'Skip a topic nearly identical to a pending or recent task of the account (the run records it) instead of only noting it'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l no-skip-similar -d 'Queue such a topic anyway, noting it on the run (the default)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -l no-topics -d 'Drop the topic list or file: use the account\'s category and a dated title'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from trigger" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l at -d 'Act as if it were this time (RFC 3339)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l dry-run -d 'Say what would fire without writing anything'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print what fired'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -s n -l count -d 'How many fire times per plan' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from next" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -s n -l limit -d 'At most this many' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a plan: a cron schedule that queues tasks for one or more accounts'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "list" -d 'List plans'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a plan with its next five fire times'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change a plan'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Enable a plan (it counts slots from now; nothing missed while disabled fires)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Disable a plan'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a plan and its history (its tasks stay)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "trigger" -d 'Fire a plan now, recorded as a manual run'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "run" -d 'Fire what is due (for cron or a systemd timer)'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "next" -d 'Show upcoming fire times'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "history" -d 'Show fired slots, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show what drives the plans and how late the most overdue one is'
complete -c contenthub -n "__fish_contenthub_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -f -a "run" -d 'Run in the foreground (for systemd); logs go to stderr'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -f -a "start" -d 'Start in the background; pid and log files go to the XDG state directory'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -f -a "stop" -d 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -f -a "status" -d 'Show whether a daemon is running, stale or stopped'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and not __fish_seen_subcommand_from run start stop status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l max-concurrent -d 'Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l grace -d 'How long in-flight work may finish after SIGINT/SIGTERM' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l listen -d 'Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l until-idle -d 'Process what is due, then exit once nothing is pending or in flight'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l allow-multiple -d 'Run even when another daemon holds this store\'s lock (claims stay safe through leases)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -l no-scheduler -d 'Do not fire scheduled plans (leave them to `scheduler run` from cron)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l max-concurrent -d 'Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l grace -d 'How long in-flight work may finish after SIGINT/SIGTERM' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l log-format -d 'Log line format' -r -f -a "text\t''
json\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l listen -d 'Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l until-idle -d 'Process what is due, then exit once nothing is pending or in flight'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l allow-multiple -d 'Run even when another daemon holds this store\'s lock (claims stay safe through leases)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -l no-scheduler -d 'Do not fire scheduled plans (leave them to `scheduler run` from cron)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l wait -d 'How long to wait for the daemon to exit' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run in the foreground (for systemd); logs go to stderr'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start in the background; pid and log files go to the XDG state directory'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether a daemon is running, stale or stopped'
complete -c contenthub -n "__fish_contenthub_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -f -a "health" -d 'Check the pipeline\'s health: one line and a monitoring-plugin exit code'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -f -a "metrics" -d 'Counts, rates, durations, tokens and cost over a window'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -f -a "stats" -d 'Tasks finished per day: totals, success rate and average duration'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -f -a "watch" -d 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -f -a "alerts" -d 'Evaluate the alert rules now and show which are firing'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and not __fish_seen_subcommand_from health metrics stats watch alerts help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -l window -d 'Window for failure and timeout rates [default: config monitor.window, else 1h]' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -s w -l warning -d 'Override a warning threshold, e.g. backlog=100 or failure_rate=5% (repeatable)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -s c -l critical -d 'Override a critical threshold, e.g. backlog=500 or oldest_pending=4h (repeatable)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -l probe -d 'Also send a cheap request to each configured generator'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -l since -d 'Window for rates, throughput, durations and per-account figures' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -l textfile -d 'Write Prometheus text to DIR/contenthub.prom atomically (created if needed)' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from metrics" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -l days -d 'How many days, today included' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l interval -d 'Time between refreshes (at least 100ms)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l window -d 'Window for the rates shown' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l count -d 'Stop after this many refreshes (like vmstat\'s count)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -l notify -d 'Record state changes and queue notifications, as the daemon does'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from alerts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "health" -d 'Check the pipeline\'s health: one line and a monitoring-plugin exit code'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "metrics" -d 'Counts, rates, durations, tokens and cost over a window'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Tasks finished per day: totals, success rate and average duration'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "watch" -d 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "alerts" -d 'Evaluate the alert rules now and show which are firing'
complete -c contenthub -n "__fish_contenthub_using_subcommand monitor; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -f -a "list" -d 'List deliveries, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -f -a "retry" -d 'Send failed deliveries again (a running daemon picks them up within a second)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and not __fish_seen_subcommand_from list retry help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -s s -l status -d 'Only these statuses (repeatable, or comma-separated)' -r -f -a "pending\t'Waiting for its first or next attempt'
sent\t'Accepted by the receiver (2xx)'
failed\t'Given up after the last attempt'"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -l task -d 'Only the deliveries of this task (id or unique prefix)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -s n -l limit -d 'At most this many (0 = all)' -r
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -l all-failed -d 'Send every failed delivery again'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from help" -f -a "list" -d 'List deliveries, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Send failed deliveries again (a running daemon picks them up within a second)'
complete -c contenthub -n "__fish_contenthub_using_subcommand deliveries; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -f -a "info" -d 'Show the store\'s path, sizes, write-ahead log, schema version and tasks per status'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -f -a "check" -d 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -f -a "backup" -d 'Write a consistent copy of the store to FILE, safe while the daemon runs'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -f -a "restore" -d 'Replace the store with a backup (the daemon must be stopped)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -f -a "copy" -d 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and not __fish_seen_subcommand_from info check backup restore copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -l force -d 'Replace FILE if it exists (atomically)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -l to -d 'The target store: a postgres:// (or postgresql://) URL, or an SQLite file\'s path' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -l force -d 'Empty the target\'s tables first (in the copy\'s transaction) when it holds rows'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "info" -d 'Show the store\'s path, sizes, write-ahead log, schema version and tasks per status'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Write a consistent copy of the store to FILE, safe while the daemon runs'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Replace the store with a backup (the daemon must be stopped)'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL'
complete -c contenthub -n "__fish_contenthub_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -f -a "init" -d 'Write a commented default config file'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -f -a "show" -d 'Print every resolved setting and where it came from (flag, env, file, default)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -f -a "path" -d 'Print the config file path'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and not __fish_seen_subcommand_from init show path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -l force -d 'Overwrite an existing file'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented default config file'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every resolved setting and where it came from (flag, env, file, default)'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file path'
complete -c contenthub -n "__fish_contenthub_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -l db -d 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -l config -d 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]' -r -F
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -l format -d 'Output format of read commands' -r -f -a "table\t'Human-readable table (local times, colour on a terminal)'
json\t'Pretty JSON: an array for lists, an object otherwise'
ndjson\t'One JSON object per line'
csv\t'Comma-separated values with a header row'
prometheus\t'Prometheus text exposition (`monitor metrics` only)'"
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -s q -l quiet -d 'Print only ids'
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c contenthub -n "__fish_contenthub_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "task" -d 'Submit, inspect, cancel, retry and clean up generation tasks'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "account" -d 'Manage the accounts content is written for'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "content" -d 'Review and export generated content'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "scheduler" -d 'Cron-driven plans that queue tasks on a schedule'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "daemon" -d 'Run the generation daemon, or control one running in the background'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "monitor" -d 'Health checks, metrics, daily stats, a live view and alerts'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "deliveries" -d 'Outgoing callbacks and notifications (the outbox)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "store" -d 'Inspect, check, back up, restore and copy the store'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "config" -d 'Create and inspect the config file'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and not __fish_seen_subcommand_from task account content scheduler daemon monitor deliveries store config completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "submit" -d 'Queue an article for generation (or many, from a JSONL/CSV file)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "list" -d 'List tasks, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "show" -d 'Show every field of a task'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "log" -d 'Show a task\'s history of status changes'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "cancel" -d 'Cancel pending, submitted or processing tasks'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "retry" -d 'Put failed, timed-out or cancelled tasks back in the queue'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "stats" -d 'Count tasks per status'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "wait" -d 'Wait until tasks finish; exits 0 only if every one completed'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "cleanup" -d 'Delete finished tasks older than a given age (their content stays)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "add" -d 'Add an account'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "list" -d 'List accounts'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "show" -d 'Show an account'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "edit" -d 'Change an account (an empty text value clears it)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from account" -f -a "remove" -d 'Remove an account with its tasks and content'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from content" -f -a "list" -d 'List generated content, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from content" -f -a "show" -d 'Show a content item (by content id, or by the task id that produced it)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from content" -f -a "approve" -d 'Approve content held for review'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from content" -f -a "reject" -d 'Reject content'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from content" -f -a "recheck" -d 'Run the review rules again on stored content (after the config or an account\'s rules changed)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from content" -f -a "export" -d 'Write content to files for a publisher: Markdown with front matter, or JSON'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "add" -d 'Add a plan: a cron schedule that queues tasks for one or more accounts'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "list" -d 'List plans'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "show" -d 'Show a plan with its next five fire times'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "edit" -d 'Change a plan'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "enable" -d 'Enable a plan (it counts slots from now; nothing missed while disabled fires)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "disable" -d 'Disable a plan'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "remove" -d 'Remove a plan and its history (its tasks stay)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "trigger" -d 'Fire a plan now, recorded as a manual run'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "run" -d 'Fire what is due (for cron or a systemd timer)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "next" -d 'Show upcoming fire times'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "history" -d 'Show fired slots, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "status" -d 'Show what drives the plans and how late the most overdue one is'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "run" -d 'Run in the foreground (for systemd); logs go to stderr'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "start" -d 'Start in the background; pid and log files go to the XDG state directory'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "stop" -d 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "status" -d 'Show whether a daemon is running, stale or stopped'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from monitor" -f -a "health" -d 'Check the pipeline\'s health: one line and a monitoring-plugin exit code'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from monitor" -f -a "metrics" -d 'Counts, rates, durations, tokens and cost over a window'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from monitor" -f -a "stats" -d 'Tasks finished per day: totals, success rate and average duration'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from monitor" -f -a "watch" -d 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from monitor" -f -a "alerts" -d 'Evaluate the alert rules now and show which are firing'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from deliveries" -f -a "list" -d 'List deliveries, newest first'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from deliveries" -f -a "retry" -d 'Send failed deliveries again (a running daemon picks them up within a second)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "info" -d 'Show the store\'s path, sizes, write-ahead log, schema version and tasks per status'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "check" -d 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "backup" -d 'Write a consistent copy of the store to FILE, safe while the daemon runs'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "restore" -d 'Replace the store with a backup (the daemon must be stopped)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "copy" -d 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write a commented default config file'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every resolved setting and where it came from (flag, env, file, default)'
complete -c contenthub -n "__fish_contenthub_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file path'
