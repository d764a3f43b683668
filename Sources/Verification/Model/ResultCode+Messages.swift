// Generated from Fresns' code-messages.tsv (en, zh-Hans, zh-Hant), plus verifyd's own 39xxx codes.

extension ResultCode {
    /// Messages by code: (en, zh-Hans, zh-Hant).
    static let messageTable: [Int: (en: String, hans: String, hant: String)] = [
        30000: ("Parameter error", "参数格式错误", "參數格式錯誤"),
        30001: ("Parameter missing error", "参数缺失错误", "參數缺失錯誤"),
        30002: ("Parameter values do not meet the requirements", "参数值不符合要求", "參數值不符合要求"),
        31000: ("Header error", "Header Error", "Header Error"),
        31301: ("App ID does not exist or is disabled", "App ID 不存在或已禁用", "App ID 不存在或已禁用"),
        31302: ("Signature error", "签名错误", "簽名錯誤"),
        31303: ("Signature expired", "签名已过期", "簽名已過期"),
        31304: ("The key does not have the right to request for the interface", "该密钥无权请求本接口", "該密鑰無權請求本接口"),
        31305: ("Read-only key are not entitled to request for the interface", "只读密钥无权请求本接口", "只讀密鑰無權請求本接口"),
        31501: ("Account not logged in, Unable to use", "账号未登录，无权操作", "賬號未登入，無權操作"),
        31502: ("Wrong account or record not exist", "账号错误或者不存在", "賬號錯誤或者不存在"),
        31503: ("Lost login token, Please login again", "登录凭证丢失，请重新登录", "登入憑證丟失，請重新登入"),
        31504: ("Login token is no longer valid, please login again", "登录凭证已失效，请重新登录", "登入憑證已失效，請重新登入"),
        31505: ("Account login token are incorrect or do not exist", "账号登录凭证错误或者不存在", "賬號登入憑證錯誤或者不存在"),
        32100: ("No service provider configured", "未配置服务商", "未配置服務商"),
        32101: ("The service provider not exist", "服务商不存在", "服務商不存在"),
        32102: ("The service provider not enabled", "服务商未启用", "服務商未啟用"),
        32103: ("Service provider config parameter is empty", "服务商配置参数为空", "服務商配置參數為空"),
        33200: ("Verify code template unavailable or not exist", "验证码模板关闭或者不存在", "驗證碼模板關閉或者不存在"),
        33201: ("Send the verify code too often, please try again later", "发送验证码太频繁，请稍后再试", "發送驗證碼太頻繁，請稍後再試"),
        33202: ("Verify code cannot be empty", "验证码不能为空", "驗證碼不能為空"),
        33203: ("Verify code incorrect or expired", "验证码不正确或验证码已过期", "驗證碼不正確或驗證碼已過期"),
        34101: ("Email format incorrect", "邮箱格式不正确", "郵箱格式不正確"),
        34102: ("Phone number format incorrect", "手机号格式不正确", "手機號格式不正確"),
        34103: ("Country calling code error", "国际区号错误", "國際區號錯誤"),
        34110: ("Email that do not support the domain", "不支持该域名的邮箱", "不支持該域名的郵箱"),
        34205: ("Email has been used", "邮箱已被使用", "郵箱已被使用"),
        34206: ("Phone number has been used", "手机号已被使用", "手機號已被使用"),
        34301: ("Account not exist", "该账号不存在", "該賬號不存在"),
        34401: ("Email bound", "已绑定邮箱", "已綁定郵箱"),
        34402: ("Phone bound", "已绑定手机", "已綁定手機"),
        39401: ("Unauthorized", "未授权", "未授權"),
        39404: ("Not found", "接口不存在", "接口不存在"),
        39405: ("Method not allowed", "请求方法不允许", "請求方法不允許"),
        39408: ("Request timeout", "请求超时", "請求超時"),
        39413: ("Request body too large", "请求体过大", "請求體過大"),
        39500: ("Internal server error", "服务器内部错误", "伺服器內部錯誤"),
        39503: ("Service temporarily unavailable, please try again later", "服务暂时不可用，请稍后再试", "服務暫時不可用，請稍後再試"),
        39504: (
            "Too many codes are waiting to be delivered, please try again later", "待发送的验证码过多，请稍后再试",
            "待發送的驗證碼過多，請稍後再試"
        ),
    ]
}
