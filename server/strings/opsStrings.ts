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
  'backup.restore.intro':
    'Upload a backup of this appliance (downloaded here or written by npm run backup). It is checked first: a whole SQLite database, this appliance’s tables, not from a newer version. Then the current database is kept beside it as notifier-before-restore-<time>.db and the appliance reopens on the backup: bot, tokens, rules and queue as they were in it. Everyone is signed out.',
  'backup.restore.file': 'Backup file',
  'backup.restore.submit': 'Restore this backup',
  'backup.restore.key': 'Keep secret.key in the data directory (or start with the same SECRET_KEY): without it the stored webhook URL cannot be decrypted and must be pasted again.',
  'backup.restore.cli': 'From the command line, with the appliance stopped:',
  'backup.restore.done': 'The backup was restored and everyone was signed out: sign in with the password stored in the backup (or ADMIN_PASSWORD).',
  'backup.restore.noFile': 'Choose a backup file to restore.',
  'backup.restore.tooLarge': 'The file is larger than {max} MB: restore it from the command line (npm run restore) instead.',
  'backup.restore.empty': 'The file is empty: nothing was changed.',
  'backup.restore.notSqlite': 'This file is not an SQLite database: choose a backup downloaded here or written by npm run backup. Nothing was changed.',
  'backup.restore.damaged': 'This backup is damaged (SQLite says: {detail}). Nothing was changed.',
  'backup.restore.notAppliance': 'This SQLite database is not a StoreClaw WeCom Notifier backup. Nothing was changed.',
  'backup.restore.newer': 'This backup was written by version {version}, newer than this appliance ({running}): upgrade first, then restore it. Nothing was changed.',
  'backup.restore.failed': 'The backup could not be restored ({reason}); the previous database is back in place.',
  'audit.action.backup.restore': 'restored a backup',
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
  'backup.restore.intro':
    '上传本设备的备份（在此页下载或由 npm run backup 写入）。先检查备份：完整的 SQLite 数据库、本设备的数据表、不是由更新的版本写入。然后当前数据库保存为旁边的 notifier-before-restore-<时间>.db，设备改用备份运行：机器人、令牌、规则和队列都与备份时相同。所有人都会退出登录。',
  'backup.restore.file': '备份文件',
  'backup.restore.submit': '恢复此备份',
  'backup.restore.key': '保留数据目录中的 secret.key（或使用相同的 SECRET_KEY 启动）：没有它，已保存的 Webhook URL 无法解密，需要重新粘贴。',
  'backup.restore.cli': '也可以在设备停止时用命令行恢复：',
  'backup.restore.done': '备份已恢复，所有人已退出登录：请用备份中保存的密码（或 ADMIN_PASSWORD）登录。',
  'backup.restore.noFile': '请选择要恢复的备份文件。',
  'backup.restore.tooLarge': '文件大于 {max} MB：请改用命令行恢复（npm run restore）。',
  'backup.restore.empty': '文件是空的：没有做任何更改。',
  'backup.restore.notSqlite': '此文件不是 SQLite 数据库：请选择在此页下载或由 npm run backup 写入的备份。没有做任何更改。',
  'backup.restore.damaged': '此备份已损坏（SQLite 检查结果：{detail}）。没有做任何更改。',
  'backup.restore.notAppliance': '此 SQLite 数据库不是 StoreClaw 企微通知的备份。没有做任何更改。',
  'backup.restore.newer': '此备份由版本 {version} 写入，比本设备（{running}）新：请先升级，再恢复。没有做任何更改。',
  'backup.restore.failed': '备份未能恢复（{reason}），原来的数据库已放回。',
  'audit.action.backup.restore': '恢复了备份',
  'backup.failed': '无法写入备份：{reason}',
  'audit.action.backup.download': '下载了备份',
  'error.badForm': '无法读取表单（请求格式错误）。请刷新页面后重试。',
  'error.storage': '设备暂时无法写入数据库（磁盘已满、只读或被锁定）。没有做任何更改，请稍后重试。',
};

export const opsStrings = { en, zh };
