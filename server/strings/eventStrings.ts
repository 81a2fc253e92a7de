// The names of an event's category and severity, in English and Simplified Chinese: one label
// each, read alike in the console and in the messages the group receives.

const en = {
  'category.orders': 'Orders',
  'category.inventory': 'Inventory',
  'category.ads': 'Ads',
  'category.products': 'Products',
  'category.store': 'Store',
  'category.task': 'Tasks',
  'category.other': 'Other',

  'severity.info': 'Info',
  'severity.warning': 'Warning',
  'severity.critical': 'Critical',
};

const zh: Record<keyof typeof en, string> = {
  'category.orders': '订单',
  'category.inventory': '库存',
  'category.ads': '广告',
  'category.products': '商品',
  'category.store': '店铺',
  'category.task': '任务',
  'category.other': '其他',

  'severity.info': '提示',
  'severity.warning': '警告',
  'severity.critical': '严重',
};

export const eventStrings = { en, zh };
