/** First run, sign-in limits, the Host allow-list and API signing secrets. */
export const securityStrings = {
  en: {
    'setup.code': 'Setup code',
    'setup.code.help':
      'The appliance printed a one-time setup code to its log when it started: run {command} (or look at the terminal running npm start). It changes at every start until the password exists.',
    'setup.error.codeEmpty': 'Enter the setup code from the appliance’s log.',
    'setup.error.code': 'The setup code is wrong. Copy it from the appliance’s log of its latest start.',
    'login.error.busy': 'Too many sign-in attempts are being checked right now. Try again in a moment.',
    'audit.action.setup.failure': 'entered a wrong setup code',
    'settings.password.consoleNote': 'ADMIN_PASSWORD is not set: the password set here is the password.',
    'settings.password.minLength': 'At least 12 characters. Changing it signs every other session out.',
    'host.refused':
      'This appliance does not answer for the host name "{host}" (a protection against DNS rebinding). Open it at localhost or at its PUBLIC_URL, or add this name to ALLOWED_HOSTS.',
    'inbound.created.secret': 'Signing secret (shown once)',
    'inbound.created.secret.help': 'Keep it with the sender: it keys the x-signature HMAC and is never sent itself. It is not the token.',
    'inbound.token.legacySigning': 'Signs with the token itself (created before signing secrets): create a new token, switch the sender to its signing secret, then revoke this one.',
    'inbound.legacyNote':
      'Some tokens were created before signing secrets existed: their signatures are keyed with the bearer token, so anyone who captured one request could sign new ones. They keep working; replace them with new tokens.',
  },
  zh: {
    'setup.code': '设置码',
    'setup.code.help':
      '本设备启动时会在日志中打印一次性设置码：运行 {command}（或查看运行 npm start 的终端）。在密码创建之前，每次启动都会生成新的设置码。',
    'setup.error.codeEmpty': '请输入设备日志中的设置码。',
    'setup.error.code': '设置码不正确。请从设备最近一次启动的日志中复制。',
    'login.error.busy': '当前正在校验的登录尝试过多，请稍后再试。',
    'audit.action.setup.failure': '输入了错误的设置码',
    'settings.password.consoleNote': '未设置 ADMIN_PASSWORD：以这里设置的密码为准。',
    'settings.password.minLength': '至少 12 个字符。修改后其他所有会话都会退出登录。',
    'host.refused': '本设备不响应主机名“{host}”（防御 DNS 重绑定）。请通过 localhost 或 PUBLIC_URL 访问，或把该名称加入 ALLOWED_HOSTS。',
    'inbound.created.secret': '签名密钥（只显示一次）',
    'inbound.created.secret.help': '请交给发送方保存：它用于计算 x-signature 的 HMAC，本身从不随请求发送。它不是令牌。',
    'inbound.token.legacySigning': '使用令牌本身签名（在签名密钥推出之前创建）：请新建令牌，让发送方改用其签名密钥，然后吊销此令牌。',
    'inbound.legacyNote': '部分令牌创建于签名密钥推出之前：它们的签名以令牌本身为密钥，截获一次请求的人即可伪造新请求。这些令牌仍可使用，请用新令牌替换。',
  },
} as const;
