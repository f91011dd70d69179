
use builtin;
use str;

set edit:completion:arg-completer[contenthub] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'contenthub'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'contenthub'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand task 'Submit, inspect, cancel, retry and clean up generation tasks'
            cand account 'Manage the accounts content is written for'
            cand content 'Review and export generated content'
            cand scheduler 'Cron-driven plans that queue tasks on a schedule'
            cand daemon 'Run the generation daemon, or control one running in the background'
            cand monitor 'Health checks, metrics, daily stats, a live view and alerts'
            cand deliveries 'Outgoing callbacks and notifications (the outbox)'
            cand store 'Inspect, check, back up, restore and copy the store'
            cand config 'Create and inspect the config file'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;task'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand submit 'Queue an article for generation (or many, from a JSONL/CSV file)'
            cand list 'List tasks, newest first'
            cand show 'Show every field of a task'
            cand status 'Show every field of a task'
            cand log 'Show a task''s history of status changes'
            cand cancel 'Cancel pending, submitted or processing tasks'
            cand retry 'Put failed, timed-out or cancelled tasks back in the queue'
            cand stats 'Count tasks per status'
            cand wait 'Wait until tasks finish; exits 0 only if every one completed'
            cand cleanup 'Delete finished tasks older than a given age (their content stays)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;task;submit'= {
            cand -a 'Account id or name'
            cand --account 'Account id or name'
            cand -t 'What to write about (1–500 characters)'
            cand --topic 'What to write about (1–500 characters)'
            cand -k 'Keywords, comma-separated: rust,tokio'
            cand --keywords 'Keywords, comma-separated: rust,tokio'
            cand -c 'Category (default: the account''s)'
            cand --category 'Category (default: the account''s)'
            cand -r 'Extra requirements for the writer (up to 2,000 characters)'
            cand --requirements 'Extra requirements for the writer (up to 2,000 characters)'
            cand --tone 'Tone (default: the account''s)'
            cand -p '1..10, higher runs sooner [default: 5]'
            cand --priority '1..10, higher runs sooner [default: 5]'
            cand --review 'How the content is reviewed: auto, rules or manual [default: the account''s setting]'
            cand --max-retries 'Retries allowed after a failure, 0..100 [default: 3]'
            cand --timeout 'Overall deadline from submission, e.g. 30m, 2h [default: 30m]'
            cand --callback-url 'URL that receives task.completed / task.failed events'
            cand --generator 'Generator profile from the config (or `template`)'
            cand --idempotency-key 'Submitting the same key again returns the first task instead of a new one'
            cand --from-file 'Submit every task in a .jsonl or .csv file (`-` reads stdin)'
            cand --wait-timeout 'With --wait: how long to wait at most'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --auto-approve 'The same as --review auto'
            cand --no-auto-approve 'The same as --review manual'
            cand --skip-similar 'Queue nothing when the topic is nearly identical to a pending or recent task of the account (without it, such a topic is queued with a warning)'
            cand --wait 'Block until the task is finished (exit 0 only if it completed)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;list'= {
            cand -s 'Only these statuses (repeatable, or comma-separated)'
            cand --status 'Only these statuses (repeatable, or comma-separated)'
            cand -a 'Only this account (id or name)'
            cand --account 'Only this account (id or name)'
            cand --since 'Created at or after: RFC 3339, a date, or an age like 24h'
            cand --until 'Created before: RFC 3339, a date, or an age like 1h'
            cand -n 'At most this many (0 = all)'
            cand --limit 'At most this many (0 = all)'
            cand --sort 'Order'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --reverse 'Reverse the order'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;show'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;status'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;log'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;cancel'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;retry'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --all-failed 'Retry every failed and timed-out task'
            cand --force 'Retry even past max_retries'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;stats'= {
            cand -a 'Only this account (id or name)'
            cand --account 'Only this account (id or name)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;wait'= {
            cand --timeout 'Stop waiting after this long (exit 1)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --all 'Wait for every task that is unfinished now'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;cleanup'= {
            cand --older-than 'Delete finished tasks last updated longer ago than this, e.g. 30d'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --dry-run 'Only count what would be deleted'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;task;help'= {
            cand submit 'Queue an article for generation (or many, from a JSONL/CSV file)'
            cand list 'List tasks, newest first'
            cand show 'Show every field of a task'
            cand log 'Show a task''s history of status changes'
            cand cancel 'Cancel pending, submitted or processing tasks'
            cand retry 'Put failed, timed-out or cancelled tasks back in the queue'
            cand stats 'Count tasks per status'
            cand wait 'Wait until tasks finish; exits 0 only if every one completed'
            cand cleanup 'Delete finished tasks older than a given age (their content stays)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;task;help;submit'= {
        }
        &'contenthub;task;help;list'= {
        }
        &'contenthub;task;help;show'= {
        }
        &'contenthub;task;help;log'= {
        }
        &'contenthub;task;help;cancel'= {
        }
        &'contenthub;task;help;retry'= {
        }
        &'contenthub;task;help;stats'= {
        }
        &'contenthub;task;help;wait'= {
        }
        &'contenthub;task;help;cleanup'= {
        }
        &'contenthub;task;help;help'= {
        }
        &'contenthub;account'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Add an account'
            cand list 'List accounts'
            cand show 'Show an account'
            cand edit 'Change an account (an empty text value clears it)'
            cand remove 'Remove an account with its tasks and content'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;account;add'= {
            cand --display-name 'Name shown to people'
            cand --platform 'Where it publishes: wechat, blog, newsletter, …'
            cand --language 'ISO 639 language code with optional region: zh, zh-CN, en-US'
            cand --tone 'Default tone of voice'
            cand --category 'Default category'
            cand --persona 'Persona and style notes for the writer'
            cand --min-words 'Shortest acceptable article, in words (CJK: characters)'
            cand --max-words 'Longest acceptable article'
            cand --forbidden-words 'Words the content must not use, comma-separated'
            cand --review 'How content is reviewed: auto (approved as it arrives), rules (the review rules decide) or manual (held for a person) [default: rules when [review] is configured, else auto]'
            cand --review-rule 'Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the override'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --auto-approve 'The same as --review auto'
            cand --no-auto-approve 'The same as --review manual'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;account;list'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;account;show'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;account;edit'= {
            cand --name 'Rename the account'
            cand --display-name 'Name shown to people'
            cand --platform 'Where it publishes: wechat, blog, newsletter, …'
            cand --language 'ISO 639 language code with optional region: zh, zh-CN, en-US'
            cand --tone 'Default tone of voice'
            cand --category 'Default category'
            cand --persona 'Persona and style notes for the writer'
            cand --min-words 'Shortest acceptable article, in words (CJK: characters)'
            cand --max-words 'Longest acceptable article'
            cand --forbidden-words 'Words the content must not use, comma-separated'
            cand --review 'How content is reviewed: auto (approved as it arrives), rules (the review rules decide) or manual (held for a person) [default: rules when [review] is configured, else auto]'
            cand --review-rule 'Override a [review] key for this account, KEY=VALUE (repeatable); KEY= removes the override'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --auto-approve 'The same as --review auto'
            cand --no-auto-approve 'The same as --review manual'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;account;remove'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --force 'Also remove its unfinished tasks'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;account;help'= {
            cand add 'Add an account'
            cand list 'List accounts'
            cand show 'Show an account'
            cand edit 'Change an account (an empty text value clears it)'
            cand remove 'Remove an account with its tasks and content'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;account;help;add'= {
        }
        &'contenthub;account;help;list'= {
        }
        &'contenthub;account;help;show'= {
        }
        &'contenthub;account;help;edit'= {
        }
        &'contenthub;account;help;remove'= {
        }
        &'contenthub;account;help;help'= {
        }
        &'contenthub;content'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List generated content, newest first'
            cand show 'Show a content item (by content id, or by the task id that produced it)'
            cand approve 'Approve content held for review'
            cand reject 'Reject content'
            cand recheck 'Run the review rules again on stored content (after the config or an account''s rules changed)'
            cand export 'Write content to files for a publisher: Markdown with front matter, or JSON'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;content;list'= {
            cand -a 'Only this account (id or name)'
            cand --account 'Only this account (id or name)'
            cand --review 'Only this review state'
            cand --reason 'Only content whose review found this check failed: word_range, forbidden_word, required_keyword, structure, placeholder, language, quality_score, near_duplicate (repeatable: all of them)'
            cand --since 'Created at or after: RFC 3339, a date, or an age like 24h'
            cand -n 'At most this many (0 = all)'
            cand --limit 'At most this many (0 = all)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;content;show'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --body 'Print only the Markdown body (for piping)'
            cand --steps 'Print the generation steps it was written in (outline, draft, polish): each step''s profile, model, tokens and text'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;content;approve'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;content;reject'= {
            cand --reason 'Why it was rejected (kept with the content)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;content;recheck'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --all-held 'Every content item held for review'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;content;export'= {
            cand --dir 'Directory to write into (created if needed)'
            cand --review 'Which review state to export'
            cand --as 'File format'
            cand -a 'Only this account (id or name)'
            cand --account 'Only this account (id or name)'
            cand --since 'Created at or after: RFC 3339, a date, or an age like 24h'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --with-images 'Download each item''s images into a folder beside its file and link the body to them'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;content;help'= {
            cand list 'List generated content, newest first'
            cand show 'Show a content item (by content id, or by the task id that produced it)'
            cand approve 'Approve content held for review'
            cand reject 'Reject content'
            cand recheck 'Run the review rules again on stored content (after the config or an account''s rules changed)'
            cand export 'Write content to files for a publisher: Markdown with front matter, or JSON'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;content;help;list'= {
        }
        &'contenthub;content;help;show'= {
        }
        &'contenthub;content;help;approve'= {
        }
        &'contenthub;content;help;reject'= {
        }
        &'contenthub;content;help;recheck'= {
        }
        &'contenthub;content;help;export'= {
        }
        &'contenthub;content;help;help'= {
        }
        &'contenthub;scheduler'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Add a plan: a cron schedule that queues tasks for one or more accounts'
            cand list 'List plans'
            cand show 'Show a plan with its next five fire times'
            cand edit 'Change a plan'
            cand enable 'Enable a plan (it counts slots from now; nothing missed while disabled fires)'
            cand disable 'Disable a plan'
            cand remove 'Remove a plan and its history (its tasks stay)'
            cand trigger 'Fire a plan now, recorded as a manual run'
            cand run 'Fire what is due (for cron or a systemd timer)'
            cand next 'Show upcoming fire times'
            cand history 'Show fired slots, newest first'
            cand status 'Show what drives the plans and how late the most overdue one is'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;scheduler;add'= {
            cand --cron 'Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)'
            cand --tz 'IANA time zone [default: the machine''s]'
            cand -a 'Account id or name (repeatable)'
            cand --account 'Account id or name (repeatable)'
            cand --count 'Tasks per account per fire'
            cand -t 'A topic (repeatable); used round-robin per account, no repeats until all are used'
            cand --topic 'A topic (repeatable); used round-robin per account, no repeats until all are used'
            cand --topics-file 'A file with one topic per line (read at each fire)'
            cand -c 'Category of the tasks'
            cand --category 'Category of the tasks'
            cand -k 'Keywords, comma-separated'
            cand --keywords 'Keywords, comma-separated'
            cand -p 'Priority of the tasks, 1..10'
            cand --priority 'Priority of the tasks, 1..10'
            cand --catch-up 'What to do with slots missed while nothing ran'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --auto-approve 'Approve the content automatically'
            cand --no-auto-approve 'Hold the content for review'
            cand --skip-similar 'Skip a topic nearly identical to a pending or recent task of the account (the run records it) instead of only noting it'
            cand --no-skip-similar 'Queue such a topic anyway, noting it on the run (the default)'
            cand --disabled 'Create it disabled'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;list'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;show'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;edit'= {
            cand --name 'Rename the plan'
            cand --cron 'Cron expression, 5 fields ("0 8 * * *") or an alias (@daily, @hourly, @weekly)'
            cand --tz 'IANA time zone [default: the machine''s]'
            cand -a 'Account id or name (repeatable)'
            cand --account 'Account id or name (repeatable)'
            cand --count 'Tasks per account per fire'
            cand -t 'A topic (repeatable); used round-robin per account, no repeats until all are used'
            cand --topic 'A topic (repeatable); used round-robin per account, no repeats until all are used'
            cand --topics-file 'A file with one topic per line (read at each fire)'
            cand -c 'Category of the tasks'
            cand --category 'Category of the tasks'
            cand -k 'Keywords, comma-separated'
            cand --keywords 'Keywords, comma-separated'
            cand -p 'Priority of the tasks, 1..10'
            cand --priority 'Priority of the tasks, 1..10'
            cand --catch-up 'What to do with slots missed while nothing ran'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --auto-approve 'Approve the content automatically'
            cand --no-auto-approve 'Hold the content for review'
            cand --skip-similar 'Skip a topic nearly identical to a pending or recent task of the account (the run records it) instead of only noting it'
            cand --no-skip-similar 'Queue such a topic anyway, noting it on the run (the default)'
            cand --no-topics 'Drop the topic list or file: use the account''s category and a dated title'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;enable'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;disable'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;remove'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;trigger'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;run'= {
            cand --at 'Act as if it were this time (RFC 3339)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --dry-run 'Say what would fire without writing anything'
            cand -v 'Print what fired'
            cand --verbose 'Print what fired'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;next'= {
            cand -n 'How many fire times per plan'
            cand --count 'How many fire times per plan'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;history'= {
            cand -n 'At most this many'
            cand --limit 'At most this many'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;status'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;scheduler;help'= {
            cand add 'Add a plan: a cron schedule that queues tasks for one or more accounts'
            cand list 'List plans'
            cand show 'Show a plan with its next five fire times'
            cand edit 'Change a plan'
            cand enable 'Enable a plan (it counts slots from now; nothing missed while disabled fires)'
            cand disable 'Disable a plan'
            cand remove 'Remove a plan and its history (its tasks stay)'
            cand trigger 'Fire a plan now, recorded as a manual run'
            cand run 'Fire what is due (for cron or a systemd timer)'
            cand next 'Show upcoming fire times'
            cand history 'Show fired slots, newest first'
            cand status 'Show what drives the plans and how late the most overdue one is'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;scheduler;help;add'= {
        }
        &'contenthub;scheduler;help;list'= {
        }
        &'contenthub;scheduler;help;show'= {
        }
        &'contenthub;scheduler;help;edit'= {
        }
        &'contenthub;scheduler;help;enable'= {
        }
        &'contenthub;scheduler;help;disable'= {
        }
        &'contenthub;scheduler;help;remove'= {
        }
        &'contenthub;scheduler;help;trigger'= {
        }
        &'contenthub;scheduler;help;run'= {
        }
        &'contenthub;scheduler;help;next'= {
        }
        &'contenthub;scheduler;help;history'= {
        }
        &'contenthub;scheduler;help;status'= {
        }
        &'contenthub;scheduler;help;help'= {
        }
        &'contenthub;daemon'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand run 'Run in the foreground (for systemd); logs go to stderr'
            cand start 'Start in the background; pid and log files go to the XDG state directory'
            cand stop 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)'
            cand status 'Show whether a daemon is running, stale or stopped'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;daemon;run'= {
            cand --max-concurrent 'Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]'
            cand --grace 'How long in-flight work may finish after SIGINT/SIGTERM'
            cand --log-format 'Log line format'
            cand --listen 'Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --until-idle 'Process what is due, then exit once nothing is pending or in flight'
            cand --allow-multiple 'Run even when another daemon holds this store''s lock (claims stay safe through leases)'
            cand --no-scheduler 'Do not fire scheduled plans (leave them to `scheduler run` from cron)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;daemon;start'= {
            cand --max-concurrent 'Tasks generating at once [default: config daemon.max_concurrent, env ASYNC_MAX_CONCURRENT_TASKS, else 5]'
            cand --grace 'How long in-flight work may finish after SIGINT/SIGTERM'
            cand --log-format 'Log line format'
            cand --listen 'Serve the HTTP API on ADDR, e.g. 127.0.0.1:18010 (port 0 picks a free one) [default: config api.listen]'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --until-idle 'Process what is due, then exit once nothing is pending or in flight'
            cand --allow-multiple 'Run even when another daemon holds this store''s lock (claims stay safe through leases)'
            cand --no-scheduler 'Do not fire scheduled plans (leave them to `scheduler run` from cron)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;daemon;stop'= {
            cand --wait 'How long to wait for the daemon to exit'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;daemon;status'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;daemon;help'= {
            cand run 'Run in the foreground (for systemd); logs go to stderr'
            cand start 'Start in the background; pid and log files go to the XDG state directory'
            cand stop 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)'
            cand status 'Show whether a daemon is running, stale or stopped'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;daemon;help;run'= {
        }
        &'contenthub;daemon;help;start'= {
        }
        &'contenthub;daemon;help;stop'= {
        }
        &'contenthub;daemon;help;status'= {
        }
        &'contenthub;daemon;help;help'= {
        }
        &'contenthub;monitor'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand health 'Check the pipeline''s health: one line and a monitoring-plugin exit code'
            cand metrics 'Counts, rates, durations, tokens and cost over a window'
            cand stats 'Tasks finished per day: totals, success rate and average duration'
            cand watch 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)'
            cand alerts 'Evaluate the alert rules now and show which are firing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;monitor;health'= {
            cand --window 'Window for failure and timeout rates [default: config monitor.window, else 1h]'
            cand -w 'Override a warning threshold, e.g. backlog=100 or failure_rate=5% (repeatable)'
            cand --warning 'Override a warning threshold, e.g. backlog=100 or failure_rate=5% (repeatable)'
            cand -c 'Override a critical threshold, e.g. backlog=500 or oldest_pending=4h (repeatable)'
            cand --critical 'Override a critical threshold, e.g. backlog=500 or oldest_pending=4h (repeatable)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --probe 'Also send a cheap request to each configured generator'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;monitor;metrics'= {
            cand --since 'Window for rates, throughput, durations and per-account figures'
            cand --textfile 'Write Prometheus text to DIR/contenthub.prom atomically (created if needed)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;monitor;stats'= {
            cand --days 'How many days, today included'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;monitor;watch'= {
            cand --interval 'Time between refreshes (at least 100ms)'
            cand --window 'Window for the rates shown'
            cand --count 'Stop after this many refreshes (like vmstat''s count)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;monitor;alerts'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --notify 'Record state changes and queue notifications, as the daemon does'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;monitor;help'= {
            cand health 'Check the pipeline''s health: one line and a monitoring-plugin exit code'
            cand metrics 'Counts, rates, durations, tokens and cost over a window'
            cand stats 'Tasks finished per day: totals, success rate and average duration'
            cand watch 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)'
            cand alerts 'Evaluate the alert rules now and show which are firing'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;monitor;help;health'= {
        }
        &'contenthub;monitor;help;metrics'= {
        }
        &'contenthub;monitor;help;stats'= {
        }
        &'contenthub;monitor;help;watch'= {
        }
        &'contenthub;monitor;help;alerts'= {
        }
        &'contenthub;monitor;help;help'= {
        }
        &'contenthub;deliveries'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List deliveries, newest first'
            cand retry 'Send failed deliveries again (a running daemon picks them up within a second)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;deliveries;list'= {
            cand -s 'Only these statuses (repeatable, or comma-separated)'
            cand --status 'Only these statuses (repeatable, or comma-separated)'
            cand --task 'Only the deliveries of this task (id or unique prefix)'
            cand -n 'At most this many (0 = all)'
            cand --limit 'At most this many (0 = all)'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;deliveries;retry'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --all-failed 'Send every failed delivery again'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;deliveries;help'= {
            cand list 'List deliveries, newest first'
            cand retry 'Send failed deliveries again (a running daemon picks them up within a second)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;deliveries;help;list'= {
        }
        &'contenthub;deliveries;help;retry'= {
        }
        &'contenthub;deliveries;help;help'= {
        }
        &'contenthub;store'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand info 'Show the store''s path, sizes, write-ahead log, schema version and tasks per status'
            cand check 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema'
            cand backup 'Write a consistent copy of the store to FILE, safe while the daemon runs'
            cand restore 'Replace the store with a backup (the daemon must be stopped)'
            cand copy 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;store;info'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;store;check'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;store;backup'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --force 'Replace FILE if it exists (atomically)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;store;restore'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;store;copy'= {
            cand --to 'The target store: a postgres:// (or postgresql://) URL, or an SQLite file''s path'
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --force 'Empty the target''s tables first (in the copy''s transaction) when it holds rows'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;store;help'= {
            cand info 'Show the store''s path, sizes, write-ahead log, schema version and tasks per status'
            cand check 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema'
            cand backup 'Write a consistent copy of the store to FILE, safe while the daemon runs'
            cand restore 'Replace the store with a backup (the daemon must be stopped)'
            cand copy 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;store;help;info'= {
        }
        &'contenthub;store;help;check'= {
        }
        &'contenthub;store;help;backup'= {
        }
        &'contenthub;store;help;restore'= {
        }
        &'contenthub;store;help;copy'= {
        }
        &'contenthub;store;help;help'= {
        }
        &'contenthub;config'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand init 'Write a commented default config file'
            cand show 'Print every resolved setting and where it came from (flag, env, file, default)'
            cand path 'Print the config file path'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;config;init'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --force 'Overwrite an existing file'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;config;show'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;config;path'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;config;help'= {
            cand init 'Write a commented default config file'
            cand show 'Print every resolved setting and where it came from (flag, env, file, default)'
            cand path 'Print the config file path'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;config;help;init'= {
        }
        &'contenthub;config;help;show'= {
        }
        &'contenthub;config;help;path'= {
        }
        &'contenthub;config;help;help'= {
        }
        &'contenthub;completions'= {
            cand --db 'Store path [env: CONTENTHUB_DB] [default: $XDG_DATA_HOME/contenthub/contenthub.db]'
            cand --config 'Config file [env: CONTENTHUB_CONFIG] [default: $XDG_CONFIG_HOME/contenthub/config.toml]'
            cand --format 'Output format of read commands'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -q 'Print only ids'
            cand --quiet 'Print only ids'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'contenthub;help'= {
            cand task 'Submit, inspect, cancel, retry and clean up generation tasks'
            cand account 'Manage the accounts content is written for'
            cand content 'Review and export generated content'
            cand scheduler 'Cron-driven plans that queue tasks on a schedule'
            cand daemon 'Run the generation daemon, or control one running in the background'
            cand monitor 'Health checks, metrics, daily stats, a live view and alerts'
            cand deliveries 'Outgoing callbacks and notifications (the outbox)'
            cand store 'Inspect, check, back up, restore and copy the store'
            cand config 'Create and inspect the config file'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'contenthub;help;task'= {
            cand submit 'Queue an article for generation (or many, from a JSONL/CSV file)'
            cand list 'List tasks, newest first'
            cand show 'Show every field of a task'
            cand log 'Show a task''s history of status changes'
            cand cancel 'Cancel pending, submitted or processing tasks'
            cand retry 'Put failed, timed-out or cancelled tasks back in the queue'
            cand stats 'Count tasks per status'
            cand wait 'Wait until tasks finish; exits 0 only if every one completed'
            cand cleanup 'Delete finished tasks older than a given age (their content stays)'
        }
        &'contenthub;help;task;submit'= {
        }
        &'contenthub;help;task;list'= {
        }
        &'contenthub;help;task;show'= {
        }
        &'contenthub;help;task;log'= {
        }
        &'contenthub;help;task;cancel'= {
        }
        &'contenthub;help;task;retry'= {
        }
        &'contenthub;help;task;stats'= {
        }
        &'contenthub;help;task;wait'= {
        }
        &'contenthub;help;task;cleanup'= {
        }
        &'contenthub;help;account'= {
            cand add 'Add an account'
            cand list 'List accounts'
            cand show 'Show an account'
            cand edit 'Change an account (an empty text value clears it)'
            cand remove 'Remove an account with its tasks and content'
        }
        &'contenthub;help;account;add'= {
        }
        &'contenthub;help;account;list'= {
        }
        &'contenthub;help;account;show'= {
        }
        &'contenthub;help;account;edit'= {
        }
        &'contenthub;help;account;remove'= {
        }
        &'contenthub;help;content'= {
            cand list 'List generated content, newest first'
            cand show 'Show a content item (by content id, or by the task id that produced it)'
            cand approve 'Approve content held for review'
            cand reject 'Reject content'
            cand recheck 'Run the review rules again on stored content (after the config or an account''s rules changed)'
            cand export 'Write content to files for a publisher: Markdown with front matter, or JSON'
        }
        &'contenthub;help;content;list'= {
        }
        &'contenthub;help;content;show'= {
        }
        &'contenthub;help;content;approve'= {
        }
        &'contenthub;help;content;reject'= {
        }
        &'contenthub;help;content;recheck'= {
        }
        &'contenthub;help;content;export'= {
        }
        &'contenthub;help;scheduler'= {
            cand add 'Add a plan: a cron schedule that queues tasks for one or more accounts'
            cand list 'List plans'
            cand show 'Show a plan with its next five fire times'
            cand edit 'Change a plan'
            cand enable 'Enable a plan (it counts slots from now; nothing missed while disabled fires)'
            cand disable 'Disable a plan'
            cand remove 'Remove a plan and its history (its tasks stay)'
            cand trigger 'Fire a plan now, recorded as a manual run'
            cand run 'Fire what is due (for cron or a systemd timer)'
            cand next 'Show upcoming fire times'
            cand history 'Show fired slots, newest first'
            cand status 'Show what drives the plans and how late the most overdue one is'
        }
        &'contenthub;help;scheduler;add'= {
        }
        &'contenthub;help;scheduler;list'= {
        }
        &'contenthub;help;scheduler;show'= {
        }
        &'contenthub;help;scheduler;edit'= {
        }
        &'contenthub;help;scheduler;enable'= {
        }
        &'contenthub;help;scheduler;disable'= {
        }
        &'contenthub;help;scheduler;remove'= {
        }
        &'contenthub;help;scheduler;trigger'= {
        }
        &'contenthub;help;scheduler;run'= {
        }
        &'contenthub;help;scheduler;next'= {
        }
        &'contenthub;help;scheduler;history'= {
        }
        &'contenthub;help;scheduler;status'= {
        }
        &'contenthub;help;daemon'= {
            cand run 'Run in the foreground (for systemd); logs go to stderr'
            cand start 'Start in the background; pid and log files go to the XDG state directory'
            cand stop 'Stop a running daemon (SIGTERM, then wait for it to finish in-flight work)'
            cand status 'Show whether a daemon is running, stale or stopped'
        }
        &'contenthub;help;daemon;run'= {
        }
        &'contenthub;help;daemon;start'= {
        }
        &'contenthub;help;daemon;stop'= {
        }
        &'contenthub;help;daemon;status'= {
        }
        &'contenthub;help;monitor'= {
            cand health 'Check the pipeline''s health: one line and a monitoring-plugin exit code'
            cand metrics 'Counts, rates, durations, tokens and cost over a window'
            cand stats 'Tasks finished per day: totals, success rate and average duration'
            cand watch 'A live view of tasks in flight, recent results and rates (q or Ctrl-C quits)'
            cand alerts 'Evaluate the alert rules now and show which are firing'
        }
        &'contenthub;help;monitor;health'= {
        }
        &'contenthub;help;monitor;metrics'= {
        }
        &'contenthub;help;monitor;stats'= {
        }
        &'contenthub;help;monitor;watch'= {
        }
        &'contenthub;help;monitor;alerts'= {
        }
        &'contenthub;help;deliveries'= {
            cand list 'List deliveries, newest first'
            cand retry 'Send failed deliveries again (a running daemon picks them up within a second)'
        }
        &'contenthub;help;deliveries;list'= {
        }
        &'contenthub;help;deliveries;retry'= {
        }
        &'contenthub;help;store'= {
            cand info 'Show the store''s path, sizes, write-ahead log, schema version and tasks per status'
            cand check 'Check the store (or a backup, with --db): integrity, foreign keys, task counts, schema'
            cand backup 'Write a consistent copy of the store to FILE, safe while the daemon runs'
            cand restore 'Replace the store with a backup (the daemon must be stopped)'
            cand copy 'Copy every durable row of the store (--db) into another store, SQLite or PostgreSQL'
        }
        &'contenthub;help;store;info'= {
        }
        &'contenthub;help;store;check'= {
        }
        &'contenthub;help;store;backup'= {
        }
        &'contenthub;help;store;restore'= {
        }
        &'contenthub;help;store;copy'= {
        }
        &'contenthub;help;config'= {
            cand init 'Write a commented default config file'
            cand show 'Print every resolved setting and where it came from (flag, env, file, default)'
            cand path 'Print the config file path'
        }
        &'contenthub;help;config;init'= {
        }
        &'contenthub;help;config;show'= {
        }
        &'contenthub;help;config;path'= {
        }
        &'contenthub;help;completions'= {
        }
        &'contenthub;help;help'= {
        }
    ]
    $completions[$command]
}
