// Strings of the WeCom-look preview and of chart images, in English and Simplified Chinese.
// Merged into the dictionaries in ./translate.ts; the zh type makes a missing or extra key a compile error.

const en = {
  'wxPreview.label': 'As the WeCom group will show it',
  'wxPreview.raw': 'Raw payload (exactly what is sent)',
  'wxPreview.invalid': 'This payload is not valid JSON; see the raw payload.',
  'wxPreview.mentionAll': '@all',
  'wxPreview.image': 'Image, {bytes} {bytes:byte|bytes}',
  'wxPreview.markdownImage': '[image: {alt}]',
  'wxPreview.newsPicture': '[picture from the article link]',
  'wxPreview.media': '[{msgtype}: media_id {id}]',
  'wxPreview.unknown': 'No preview for msgtype “{msgtype}”; see the raw payload.',
};

const zh: Record<keyof typeof en, string> = {
  'wxPreview.label': '企业微信群中的显示效果',
  'wxPreview.raw': '原始消息体（实际发送的内容）',
  'wxPreview.invalid': '此消息体不是有效的 JSON，请查看原始消息体。',
  'wxPreview.mentionAll': '@所有人',
  'wxPreview.image': '图片，{bytes} 字节',
  'wxPreview.markdownImage': '[图片：{alt}]',
  'wxPreview.newsPicture': '[图文链接中的图片]',
  'wxPreview.media': '[{msgtype}:media_id {id}]',
  'wxPreview.unknown': '消息类型“{msgtype}”暂无预览，请查看原始消息体。',
};

export const previewStrings = { en, zh };
