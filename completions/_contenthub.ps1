
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'contenthub' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'contenthub'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'contenthub' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Submit, inspect, cancel, retry and clean up generation tasks')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'Manage the accounts content is written for')
            [CompletionResult]::new('content', 'content', [CompletionResultType]::ParameterValue, 'Review and export generated content')
            [CompletionResult]::new('scheduler', 'scheduler', [CompletionResultType]::ParameterValue, 'Cron-driven plans that queue tasks on a schedule')
            [CompletionResult]::new('daemon', 'daemon', [CompletionResultType]::ParameterValue, 'Run the generation daemon, or control one running in the background')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Health checks, metrics, daily stats, a live view and alerts')
            [CompletionResult]::new('deliveries', 'deliveries', [CompletionResultType]::ParameterValue, 'Outgoing callbacks and notifications (the outbox)')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Inspect, check, back up, restore and copy the store')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Create and inspect the config file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;task' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Queue an article for generation (or many, from a JSONL/CSV file)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of a task')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every field of a task')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show a task''s history of status changes')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel pending, submitted or processing tasks')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Put failed, timed-out or cancelled tasks back in the queue')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count tasks per status')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until tasks finish; exits 0 only if every one completed')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete finished tasks older than a given age (their content stays)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;task;submit' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Account id or name')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account id or name')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'What to write about (1–500 characters)')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'What to write about (1–500 characters)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keywords, comma-separated: rust,tokio')
            [CompletionResult]::new('--keywords', '--keywords', [CompletionResultType]::ParameterName, 'Keywords, comma-separated: rust,tokio')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Category (default: the account''s)')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Category (default: the account''s)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Extra requirements for the writer (up to 2,000 characters)')
            [CompletionResult]::new('--requirements', '--requirements', [CompletionResultType]::ParameterName, 'Extra requirements for the writer (up to 2,000 characters)')
            [CompletionResult]::new('--tone', '--tone', [CompletionResultType]::ParameterName, 'Tone (default: the account''s)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, '1..10, higher runs sooner [default: 5]')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, '1..10, higher runs sooner [default: 5]')
            [CompletionResult]::new('--review', '--review', [CompletionResultType]::ParameterName, 'How the content is reviewed: auto, rules or manual [default: the account''s setting]')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries allowed after a failure, 0..100 [default: 3]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Overall deadline from submission, e.g. 30m, 2h [default: 30m]')
            [CompletionResult]::new('--callback-url', '--callback-url', [CompletionResultType]::ParameterName, 'URL that receives task.completed / task.failed events')
            [CompletionResult]::new('--generator', '--generator', [CompletionResultType]::ParameterName, 'Generator profile from the config (or `template`)')
            [CompletionResult]::new('--idempotency-key', '--idempotency-key', [CompletionResultType]::ParameterName, 'Submitting the same key again returns the first task instead of a new one')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Submit every task in a .jsonl or .csv file (`-` reads stdin)')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'With --wait: how long to wait at most')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'The same as --review auto')
            [CompletionResult]::new('--no-auto-approve', '--no-auto-approve', [CompletionResultType]::ParameterName, 'The same as --review manual')
            [CompletionResult]::new('--skip-similar', '--skip-similar', [CompletionResultType]::ParameterName, 'Queue nothing when the topic is nearly identical to a pending or recent task of the account (without it, such a topic is queued with a warning)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Block until the task is finished (exit 0 only if it completed)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;list' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable, or comma-separated)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable, or comma-separated)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created at or after: RFC 3339, a date, or an age like 24h')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Created before: RFC 3339, a date, or an age like 1h')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many (0 = all)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many (0 = all)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;log' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;cancel' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;retry' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--all-failed', '--all-failed', [CompletionResultType]::ParameterName, 'Retry every failed and timed-out task')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Retry even past max_retries')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;stats' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;wait' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop waiting after this long (exit 1)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Wait for every task that is unfinished now')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;cleanup' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete finished tasks last updated longer ago than this, e.g. 30d')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only count what would be deleted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;task;help' {
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Queue an article for generation (or many, from a JSONL/CSV file)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of a task')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show a task''s history of status changes')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel pending, submitted or processing tasks')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Put failed, timed-out or cancelled tasks back in the queue')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count tasks per status')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until tasks finish; exits 0 only if every one completed')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete finished tasks older than a given age (their content stays)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;task;help;submit' {
            break
        }
        'contenthub;task;help;list' {
            break
        }
        'contenthub;task;help;show' {
            break
        }
        'contenthub;task;help;log' {
            break
        }
        'contenthub;task;help;cancel' {
            break
        }
        'contenthub;task;help;retry' {
            break
        }
        'contenthub;task;help;stats' {
            break
        }
        'contenthub;task;help;wait' {
            break
        }
        'contenthub;task;help;cleanup' {
            break
        }
        'contenthub;task;help;help' {
            break
        }
        'contenthub;account' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List accounts')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an account')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change an account (an empty text value clears it)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an account with its tasks and content')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;account;add' {
            [CompletionResult]::new('--display-name', '--display-name', [CompletionResultType]::ParameterName, 'Name shown to people')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Where it publishes: wechat, blog, newsletter, …')
            [CompletionResult]::new('--language', '--language', [CompletionResultType]::ParameterName, 'ISO 639 language code with optional region: zh, zh-CN, en-US')
            [CompletionResult]::new('--tone', '--tone', [CompletionResultType]::ParameterName, 'Default tone of voice')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Default category')
            [CompletionResult]::new('--persona', '--persona', [CompletionResultType]::ParameterName, 'Persona and style notes for the writer')
            [CompletionResult]::new('--min-words', '--min-words', [CompletionResultType]::ParameterName, 'Shortest acceptable article, in words (CJK: characters)')
            [CompletionResult]::new('--max-words', '--max-words', [CompletionResultType]::ParameterName, 'Longest acceptable article')
            [CompletionResult]::new('--forbidden-words', '--forbidden-words', [CompletionResultType]::ParameterName, 'Words the content must not use, comma-separated')
            [CompletionResult]::new('--review', '--review', [CompletionResultType]::ParameterName, 'How content is reviewed: auto (approved as it arrives), rules (the review rules decide) or manual (held for a person) [default: rules when [review] is configured, else auto]')
            [CompletionResult]::new('--review-rule', '--review-rule', [CompletionResultType]::ParameterName, 'Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the override')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'The same as --review auto')
            [CompletionResult]::new('--no-auto-approve', '--no-auto-approve', [CompletionResultType]::ParameterName, 'The same as --review manual')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;account;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;account;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;account;edit' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Rename the account')
            [CompletionResult]::new('--display-name', '--display-name', [CompletionResultType]::ParameterName, 'Name shown to people')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Where it publishes: wechat, blog, newsletter, …')
            [CompletionResult]::new('--language', '--language', [CompletionResultType]::ParameterName, 'ISO 639 language code with optional region: zh, zh-CN, en-US')
            [CompletionResult]::new('--tone', '--tone', [CompletionResultType]::ParameterName, 'Default tone of voice')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Default category')
            [CompletionResult]::new('--persona', '--persona', [CompletionResultType]::ParameterName, 'Persona and style notes for the writer')
            [CompletionResult]::new('--min-words', '--min-words', [CompletionResultType]::ParameterName, 'Shortest acceptable article, in words (CJK: characters)')
            [CompletionResult]::new('--max-words', '--max-words', [CompletionResultType]::ParameterName, 'Longest acceptable article')
            [CompletionResult]::new('--forbidden-words', '--forbidden-words', [CompletionResultType]::ParameterName, 'Words the content must not use, comma-separated')
            [CompletionResult]::new('--review', '--review', [CompletionResultType]::ParameterName, 'How content is reviewed: auto (approved as it arrives), rules (the review rules decide) or manual (held for a person) [default: rules when [review] is configured, else auto]')
            [CompletionResult]::new('--review-rule', '--review-rule', [CompletionResultType]::ParameterName, 'Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the override')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'The same as --review auto')
            [CompletionResult]::new('--no-auto-approve', '--no-auto-approve', [CompletionResultType]::ParameterName, 'The same as --review manual')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;account;remove' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also remove its unfinished tasks')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;account;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List accounts')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an account')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change an account (an empty text value clears it)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an account with its tasks and content')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;account;help;add' {
            break
        }
        'contenthub;account;help;list' {
            break
        }
        'contenthub;account;help;show' {
            break
        }
        'contenthub;account;help;edit' {
            break
        }
        'contenthub;account;help;remove' {
            break
        }
        'contenthub;account;help;help' {
            break
        }
        'contenthub;content' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List generated content, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a content item (by content id, or by the task id that produced it)')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve content held for review')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject content')
            [CompletionResult]::new('recheck', 'recheck', [CompletionResultType]::ParameterValue, 'Run the review rules again on stored content (after the config or an account''s rules changed)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write content to files for a publisher: Markdown with front matter, or JSON')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;content;list' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--review', '--review', [CompletionResultType]::ParameterName, 'Only this review state')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Only content whose review found this check failed: word_range, forbidden_word, required_keyword, structure, placeholder, language, quality_score, near_duplicate (repeatable: all of them)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created at or after: RFC 3339, a date, or an age like 24h')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many (0 = all)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many (0 = all)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;content;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Print only the Markdown body (for piping)')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Print the generation steps it was written in (outline, draft, polish): each step''s profile, model, tokens and text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;content;approve' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;content;reject' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it was rejected (kept with the content)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;content;recheck' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--all-held', '--all-held', [CompletionResultType]::ParameterName, 'Every content item held for review')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;content;export' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory to write into (created if needed)')
            [CompletionResult]::new('--review', '--review', [CompletionResultType]::ParameterName, 'Which review state to export')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'File format')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Only this account (id or name)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Created at or after: RFC 3339, a date, or an age like 24h')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--with-images', '--with-images', [CompletionResultType]::ParameterName, 'Download each item''s images into a folder beside its file and link the body to them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;content;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List generated content, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a content item (by content id, or by the task id that produced it)')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve content held for review')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject content')
            [CompletionResult]::new('recheck', 'recheck', [CompletionResultType]::ParameterValue, 'Run the review rules again on stored content (after the config or an account''s rules changed)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write content to files for a publisher: Markdown with front matter, or JSON')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;content;help;list' {
            break
        }
        'contenthub;content;help;show' {
            break
        }
        'contenthub;content;help;approve' {
            break
        }
        'contenthub;content;help;reject' {
            break
        }
        'contenthub;content;help;recheck' {
            break
        }
        'contenthub;content;help;export' {
            break
        }
        'contenthub;content;help;help' {
            break
        }
        'contenthub;scheduler' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a plan: a cron schedule that queues tasks for one or more accounts')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List plans')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a plan with its next five fire times')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a plan')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable a plan (it counts slots from now; nothing missed while disabled fires)')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable a plan')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a plan and its history (its tasks stay)')
            [CompletionResult]::new('trigger', 'trigger', [CompletionResultType]::ParameterValue, 'Fire a plan now, recorded as a manual run')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Fire what is due (for cron or a systemd timer)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show upcoming fire times')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show fired slots, newest first')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what drives the plans and how late the most overdue one is')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;scheduler;add' {
            [CompletionResult]::new('--cron', '--cron', [CompletionResultType]::ParameterName, 'Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'IANA time zone [default: the machine''s]')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Account id or name (repeatable)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account id or name (repeatable)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Tasks per account per fire')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A topic (repeatable); used round-robin per account, no repeats until all are used')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'A topic (repeatable); used round-robin per account, no repeats until all are used')
            [CompletionResult]::new('--topics-file', '--topics-file', [CompletionResultType]::ParameterName, 'A file with one topic per line (read at each fire)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Category of the tasks')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Category of the tasks')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keywords, comma-separated')
            [CompletionResult]::new('--keywords', '--keywords', [CompletionResultType]::ParameterName, 'Keywords, comma-separated')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Priority of the tasks, 1..10')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Priority of the tasks, 1..10')
            [CompletionResult]::new('--catch-up', '--catch-up', [CompletionResultType]::ParameterName, 'What to do with slots missed while nothing ran')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'Approve the content automatically')
            [CompletionResult]::new('--no-auto-approve', '--no-auto-approve', [CompletionResultType]::ParameterName, 'Hold the content for review')
            [CompletionResult]::new('--skip-similar', '--skip-similar', [CompletionResultType]::ParameterName, 'Skip a topic nearly identical to a pending or recent task of the account (the run records it) instead of only noting it')
            [CompletionResult]::new('--no-skip-similar', '--no-skip-similar', [CompletionResultType]::ParameterName, 'Queue such a topic anyway, noting it on the run (the default)')
            [CompletionResult]::new('--disabled', '--disabled', [CompletionResultType]::ParameterName, 'Create it disabled')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;edit' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Rename the plan')
            [CompletionResult]::new('--cron', '--cron', [CompletionResultType]::ParameterName, 'Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)')
            [CompletionResult]::new('--tz', '--tz', [CompletionResultType]::ParameterName, 'IANA time zone [default: the machine''s]')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Account id or name (repeatable)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account id or name (repeatable)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Tasks per account per fire')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A topic (repeatable); used round-robin per account, no repeats until all are used')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'A topic (repeatable); used round-robin per account, no repeats until all are used')
            [CompletionResult]::new('--topics-file', '--topics-file', [CompletionResultType]::ParameterName, 'A file with one topic per line (read at each fire)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Category of the tasks')
            [CompletionResult]::new('--category', '--category', [CompletionResultType]::ParameterName, 'Category of the tasks')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keywords, comma-separated')
            [CompletionResult]::new('--keywords', '--keywords', [CompletionResultType]::ParameterName, 'Keywords, comma-separated')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Priority of the tasks, 1..10')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Priority of the tasks, 1..10')
            [CompletionResult]::new('--catch-up', '--catch-up', [CompletionResultType]::ParameterName, 'What to do with slots missed while nothing ran')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'Approve the content automatically')
            [CompletionResult]::new('--no-auto-approve', '--no-auto-approve', [CompletionResultType]::ParameterName, 'Hold the content for review')
            [CompletionResult]::new('--skip-similar', '--skip-similar', [CompletionResultType]::ParameterName, 'Skip a topic nearly identical to a pending or recent task of the account (the run records it) instead of only noting it')
            [CompletionResult]::new('--no-skip-similar', '--no-skip-similar', [CompletionResultType]::ParameterName, 'Queue such a topic anyway, noting it on the run (the default)')
            [CompletionResult]::new('--no-topics', '--no-topics', [CompletionResultType]::ParameterName, 'Drop the topic list or file: use the account''s category and a dated title')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;enable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;disable' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;remove' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;trigger' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;run' {
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Act as if it were this time (RFC 3339)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would fire without writing anything')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print what fired')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print what fired')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;next' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many fire times per plan')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many fire times per plan')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;history' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;scheduler;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a plan: a cron schedule that queues tasks for one or more accounts')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List plans')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a plan with its next five fire times')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a plan')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable a plan (it counts slots from now; nothing missed while disabled fires)')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable a plan')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a plan and its history (its tasks stay)')
            [CompletionResult]::new('trigger', 'trigger', [CompletionResultType]::ParameterValue, 'Fire a plan now, recorded as a manual run')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Fire what is due (for cron or a systemd timer)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show upcoming fire times')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show fired slots, newest first')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what drives the plans and how late the most overdue one is')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;scheduler;help;add' {
            break
        }
        'contenthub;scheduler;help;list' {
            break
        }
        'contenthub;scheduler;help;show' {
            break
        }
        'contenthub;scheduler;help;edit' {
            break
        }
        'contenthub;scheduler;help;enable' {
            break
        }
        'contenthub;scheduler;help;disable' {
            break
        }
        'contenthub;scheduler;help;remove' {
            break
        }
        'contenthub;scheduler;help;trigger' {
            break
        }
        'contenthub;scheduler;help;run' {
            break
        }
        'contenthub;scheduler;help;next' {
            break
        }
        'contenthub;scheduler;help;history' {
            break
        }
        'contenthub;scheduler;help;status' {
            break
        }
        'contenthub;scheduler;help;help' {
            break
        }
        'contenthub;daemon' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run in the foreground (for systemd); logs go to stderr')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start in the background; pid and log files go to the XDG state directory')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether a daemon is running, stale or stopped')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;daemon;run' {
            [CompletionResult]::new('--max-concurrent', '--max-concurrent', [CompletionResultType]::ParameterName, 'Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long in-flight work may finish after SIGINT/SIGTERM')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--until-idle', '--until-idle', [CompletionResultType]::ParameterName, 'Process what is due, then exit once nothing is pending or in flight')
            [CompletionResult]::new('--allow-multiple', '--allow-multiple', [CompletionResultType]::ParameterName, 'Run even when another daemon holds this store''s lock (claims stay safe through leases)')
            [CompletionResult]::new('--no-scheduler', '--no-scheduler', [CompletionResultType]::ParameterName, 'Do not fire scheduled plans (leave them to `scheduler run` from cron)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;daemon;start' {
            [CompletionResult]::new('--max-concurrent', '--max-concurrent', [CompletionResultType]::ParameterName, 'Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long in-flight work may finish after SIGINT/SIGTERM')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--until-idle', '--until-idle', [CompletionResultType]::ParameterName, 'Process what is due, then exit once nothing is pending or in flight')
            [CompletionResult]::new('--allow-multiple', '--allow-multiple', [CompletionResultType]::ParameterName, 'Run even when another daemon holds this store''s lock (claims stay safe through leases)')
            [CompletionResult]::new('--no-scheduler', '--no-scheduler', [CompletionResultType]::ParameterName, 'Do not fire scheduled plans (leave them to `scheduler run` from cron)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;daemon;stop' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for the daemon to exit')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;daemon;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;daemon;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run in the foreground (for systemd); logs go to stderr')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start in the background; pid and log files go to the XDG state directory')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether a daemon is running, stale or stopped')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;daemon;help;run' {
            break
        }
        'contenthub;daemon;help;start' {
            break
        }
        'contenthub;daemon;help;stop' {
            break
        }
        'contenthub;daemon;help;status' {
            break
        }
        'contenthub;daemon;help;help' {
            break
        }
        'contenthub;monitor' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check the pipeline''s health: one line and a monitoring-plugin exit code')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Counts, rates, durations, tokens and cost over a window')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Tasks finished per day: totals, success rate and average duration')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)')
            [CompletionResult]::new('alerts', 'alerts', [CompletionResultType]::ParameterValue, 'Evaluate the alert rules now and show which are firing')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;monitor;health' {
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Window for failure and timeout rates [default: config monitor.window, else 1h]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Override a warning threshold, e.g. backlog=100 or failure_rate=5% (repeatable)')
            [CompletionResult]::new('--warning', '--warning', [CompletionResultType]::ParameterName, 'Override a warning threshold, e.g. backlog=100 or failure_rate=5% (repeatable)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Override a critical threshold, e.g. backlog=500 or oldest_pending=4h (repeatable)')
            [CompletionResult]::new('--critical', '--critical', [CompletionResultType]::ParameterName, 'Override a critical threshold, e.g. backlog=500 or oldest_pending=4h (repeatable)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--probe', '--probe', [CompletionResultType]::ParameterName, 'Also send a cheap request to each configured generator')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;monitor;metrics' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Window for rates, throughput, durations and per-account figures')
            [CompletionResult]::new('--textfile', '--textfile', [CompletionResultType]::ParameterName, 'Write Prometheus text to DIR/contenthub.prom atomically (created if needed)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;monitor;stats' {
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'How many days, today included')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;monitor;watch' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between refreshes (at least 100ms)')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Window for the rates shown')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many refreshes (like vmstat''s count)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;monitor;alerts' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'Record state changes and queue notifications, as the daemon does')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;monitor;help' {
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check the pipeline''s health: one line and a monitoring-plugin exit code')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Counts, rates, durations, tokens and cost over a window')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Tasks finished per day: totals, success rate and average duration')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)')
            [CompletionResult]::new('alerts', 'alerts', [CompletionResultType]::ParameterValue, 'Evaluate the alert rules now and show which are firing')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;monitor;help;health' {
            break
        }
        'contenthub;monitor;help;metrics' {
            break
        }
        'contenthub;monitor;help;stats' {
            break
        }
        'contenthub;monitor;help;watch' {
            break
        }
        'contenthub;monitor;help;alerts' {
            break
        }
        'contenthub;monitor;help;help' {
            break
        }
        'contenthub;deliveries' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List deliveries, newest first')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Send failed deliveries again (a running daemon picks them up within a second)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;deliveries;list' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable, or comma-separated)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable, or comma-separated)')
            [CompletionResult]::new('--task', '--task', [CompletionResultType]::ParameterName, 'Only the deliveries of this task (id or unique prefix)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many (0 = all)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many (0 = all)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;deliveries;retry' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--all-failed', '--all-failed', [CompletionResultType]::ParameterName, 'Send every failed delivery again')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;deliveries;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List deliveries, newest first')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Send failed deliveries again (a running daemon picks them up within a second)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;deliveries;help;list' {
            break
        }
        'contenthub;deliveries;help;retry' {
            break
        }
        'contenthub;deliveries;help;help' {
            break
        }
        'contenthub;store' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show the store''s path, sizes, write-ahead log, schema version and tasks per status')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the store to FILE, safe while the daemon runs')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace the store with a backup (the daemon must be stopped)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;store;info' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;store;check' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;store;backup' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace FILE if it exists (atomically)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;store;restore' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;store;copy' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The target store: a postgres:// (or postgresql://) URL, or an SQLite file''s path')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Empty the target''s tables first (in the copy''s transaction) when it holds rows')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;store;help' {
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show the store''s path, sizes, write-ahead log, schema version and tasks per status')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the store to FILE, safe while the daemon runs')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace the store with a backup (the daemon must be stopped)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;store;help;info' {
            break
        }
        'contenthub;store;help;check' {
            break
        }
        'contenthub;store;help;backup' {
            break
        }
        'contenthub;store;help;restore' {
            break
        }
        'contenthub;store;help;copy' {
            break
        }
        'contenthub;store;help;help' {
            break
        }
        'contenthub;config' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented default config file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every resolved setting and where it came from (flag, env, file, default)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file path')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;config;init' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;config;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;config;path' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;config;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented default config file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every resolved setting and where it came from (flag, env, file, default)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file path')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;config;help;init' {
            break
        }
        'contenthub;config;help;show' {
            break
        }
        'contenthub;config;help;path' {
            break
        }
        'contenthub;config;help;help' {
            break
        }
        'contenthub;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of read commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only ids')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'contenthub;help' {
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Submit, inspect, cancel, retry and clean up generation tasks')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'Manage the accounts content is written for')
            [CompletionResult]::new('content', 'content', [CompletionResultType]::ParameterValue, 'Review and export generated content')
            [CompletionResult]::new('scheduler', 'scheduler', [CompletionResultType]::ParameterValue, 'Cron-driven plans that queue tasks on a schedule')
            [CompletionResult]::new('daemon', 'daemon', [CompletionResultType]::ParameterValue, 'Run the generation daemon, or control one running in the background')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Health checks, metrics, daily stats, a live view and alerts')
            [CompletionResult]::new('deliveries', 'deliveries', [CompletionResultType]::ParameterValue, 'Outgoing callbacks and notifications (the outbox)')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Inspect, check, back up, restore and copy the store')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Create and inspect the config file')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'contenthub;help;task' {
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Queue an article for generation (or many, from a JSONL/CSV file)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show every field of a task')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show a task''s history of status changes')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel pending, submitted or processing tasks')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Put failed, timed-out or cancelled tasks back in the queue')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count tasks per status')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait until tasks finish; exits 0 only if every one completed')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete finished tasks older than a given age (their content stays)')
            break
        }
        'contenthub;help;task;submit' {
            break
        }
        'contenthub;help;task;list' {
            break
        }
        'contenthub;help;task;show' {
            break
        }
        'contenthub;help;task;log' {
            break
        }
        'contenthub;help;task;cancel' {
            break
        }
        'contenthub;help;task;retry' {
            break
        }
        'contenthub;help;task;stats' {
            break
        }
        'contenthub;help;task;wait' {
            break
        }
        'contenthub;help;task;cleanup' {
            break
        }
        'contenthub;help;account' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an account')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List accounts')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an account')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change an account (an empty text value clears it)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove an account with its tasks and content')
            break
        }
        'contenthub;help;account;add' {
            break
        }
        'contenthub;help;account;list' {
            break
        }
        'contenthub;help;account;show' {
            break
        }
        'contenthub;help;account;edit' {
            break
        }
        'contenthub;help;account;remove' {
            break
        }
        'contenthub;help;content' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List generated content, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a content item (by content id, or by the task id that produced it)')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve content held for review')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject content')
            [CompletionResult]::new('recheck', 'recheck', [CompletionResultType]::ParameterValue, 'Run the review rules again on stored content (after the config or an account''s rules changed)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write content to files for a publisher: Markdown with front matter, or JSON')
            break
        }
        'contenthub;help;content;list' {
            break
        }
        'contenthub;help;content;show' {
            break
        }
        'contenthub;help;content;approve' {
            break
        }
        'contenthub;help;content;reject' {
            break
        }
        'contenthub;help;content;recheck' {
            break
        }
        'contenthub;help;content;export' {
            break
        }
        'contenthub;help;scheduler' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a plan: a cron schedule that queues tasks for one or more accounts')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List plans')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a plan with its next five fire times')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a plan')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable a plan (it counts slots from now; nothing missed while disabled fires)')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable a plan')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a plan and its history (its tasks stay)')
            [CompletionResult]::new('trigger', 'trigger', [CompletionResultType]::ParameterValue, 'Fire a plan now, recorded as a manual run')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Fire what is due (for cron or a systemd timer)')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'Show upcoming fire times')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show fired slots, newest first')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what drives the plans and how late the most overdue one is')
            break
        }
        'contenthub;help;scheduler;add' {
            break
        }
        'contenthub;help;scheduler;list' {
            break
        }
        'contenthub;help;scheduler;show' {
            break
        }
        'contenthub;help;scheduler;edit' {
            break
        }
        'contenthub;help;scheduler;enable' {
            break
        }
        'contenthub;help;scheduler;disable' {
            break
        }
        'contenthub;help;scheduler;remove' {
            break
        }
        'contenthub;help;scheduler;trigger' {
            break
        }
        'contenthub;help;scheduler;run' {
            break
        }
        'contenthub;help;scheduler;next' {
            break
        }
        'contenthub;help;scheduler;history' {
            break
        }
        'contenthub;help;scheduler;status' {
            break
        }
        'contenthub;help;daemon' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run in the foreground (for systemd); logs go to stderr')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start in the background; pid and log files go to the XDG state directory')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether a daemon is running, stale or stopped')
            break
        }
        'contenthub;help;daemon;run' {
            break
        }
        'contenthub;help;daemon;start' {
            break
        }
        'contenthub;help;daemon;stop' {
            break
        }
        'contenthub;help;daemon;status' {
            break
        }
        'contenthub;help;monitor' {
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check the pipeline''s health: one line and a monitoring-plugin exit code')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Counts, rates, durations, tokens and cost over a window')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Tasks finished per day: totals, success rate and average duration')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)')
            [CompletionResult]::new('alerts', 'alerts', [CompletionResultType]::ParameterValue, 'Evaluate the alert rules now and show which are firing')
            break
        }
        'contenthub;help;monitor;health' {
            break
        }
        'contenthub;help;monitor;metrics' {
            break
        }
        'contenthub;help;monitor;stats' {
            break
        }
        'contenthub;help;monitor;watch' {
            break
        }
        'contenthub;help;monitor;alerts' {
            break
        }
        'contenthub;help;deliveries' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List deliveries, newest first')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Send failed deliveries again (a running daemon picks them up within a second)')
            break
        }
        'contenthub;help;deliveries;list' {
            break
        }
        'contenthub;help;deliveries;retry' {
            break
        }
        'contenthub;help;store' {
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show the store''s path, sizes, write-ahead log, schema version and tasks per status')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the store to FILE, safe while the daemon runs')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Replace the store with a backup (the daemon must be stopped)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL')
            break
        }
        'contenthub;help;store;info' {
            break
        }
        'contenthub;help;store;check' {
            break
        }
        'contenthub;help;store;backup' {
            break
        }
        'contenthub;help;store;restore' {
            break
        }
        'contenthub;help;store;copy' {
            break
        }
        'contenthub;help;config' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented default config file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every resolved setting and where it came from (flag, env, file, default)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file path')
            break
        }
        'contenthub;help;config;init' {
            break
        }
        'contenthub;help;config;show' {
            break
        }
        'contenthub;help;config;path' {
            break
        }
        'contenthub;help;completions' {
            break
        }
        'contenthub;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
