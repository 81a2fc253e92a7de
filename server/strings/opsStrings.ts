/** Operations strings (backup and restore); zh must have exactly the same keys (the type says so). */
const en = {
  'nav.backup': 'Backup',
  'backup.title': 'Backup and restore',
  'backup.intro':
    'Download a consistent copy of the database: events, send log, rules, report jobs, API tokens (hashed) and the webhook key (encrypted). It is made while the appliance keeps running and sending.',
  'backup.download': 'Download backup',
  'backup.keyNote':
    "The webhook key stays encrypted in the backup and can only be read with this appliance's data key: keep secret.key from the data directory (or the SECRET_KEY you set) together with your backups, but not in the same place.",
  'backup.cli': 'From the command line, also while the appliance runs:',
  'backup.restore.title': 'Restore',
  'backup.restore.stop': 'Stop the appliance (docker compose stop).',
  'backup.restore.replace': 'Replace notifier.db in the data directory with the backup file, and delete notifier.db-wal and notifier.db-shm if present.',
  'backup.restore.key': 'Keep secret.key in the data directory (or start with the same SECRET_KEY): without it the stored webhook URL cannot be decrypted and must be pasted again.',
  'backup.restore.start': 'Start the appliance: the bot is still connected and the queue carries on where the backup was made.',
  'backup.failed': 'The backup could not be written: {reason}',
  'audit.action.backup.download': 'downloaded a backup',
  'error.badForm': 'The form could not be read (the request was malformed). Reload the page and try again.',
  'error.storage': 'The appliance cannot write to its database right now (disk full, read-only or locked). Nothing was changed; try again in a moment.',
};

const zh: Record<keyof typeof en, string> = {
  'nav.backup': '备份',
  'backup.title': '备份与恢复',
  'backup.intro': '下载数据库的一致副本：事件、发送记录、规则、报表任务、API 令牌（哈希）和 Webhook 密钥（加密）。备份在设备继续运行和发送时进行。',
  'backup.download': '下载备份',
  'backup.keyNote': '备份中的 Webhook 密钥仍是加密的，只有本设备的数据密钥才能解密：请把数据目录中的 secret.key（或你设置的 SECRET_KEY）与备份一起保管，但不要放在同一个地方。',
  'backup.cli': '也可以在命令行中备份（设备运行时同样可用）：',
  'backup.restore.title': '恢复',
  'backup.restore.stop': '停止设备（docker compose stop）。',
  'backup.restore.replace': '用备份文件替换数据目录中的 notifier.db，如有 notifier.db-wal 和 notifier.db-shm 一并删除。',
  'backup.restore.key': '保留数据目录中的 secret.key（或使用相同的 SECRET_KEY 启动）：没有它，已保存的 Webhook URL 无法解密，需要重新粘贴。',
  'backup.restore.start': '启动设备：机器人仍保持连接，队列从备份时的位置继续。',
  'backup.failed': '无法写入备份：{reason}',
  'audit.action.backup.download': '下载了备份',
  'error.badForm': '无法读取表单（请求格式错误）。请刷新页面后重试。',
  'error.storage': '设备暂时无法写入数据库（磁盘已满、只读或被锁定）。没有做任何更改，请稍后重试。',
};

export const opsStrings = { en, zh };
