/// verifyd's own wording for all 8 templates: email in en, zh-Hans and zh-Hant; SMS with provider template
/// code `verifyd_template<N>` and code parameter `code`. Used when no `VERIFYD_TEMPLATES` file is given.
public enum BuiltInTemplates {
    private static let purposes: [Int: (en: String, hans: String, hant: String)] = [
        1: ("your request", "进行本次操作", "進行本次操作"),
        2: ("creating your account", "注册账号", "註冊賬號"),
        3: ("changing your account details", "修改账号资料", "修改賬號資料"),
        4: ("linking a new email address or phone number", "绑定新的邮箱或手机号", "綁定新的郵箱或手機號"),
        5: ("resetting your login password", "重置登录密码", "重置登入密碼"),
        6: ("resetting your payment password", "重置支付密码", "重置支付密碼"),
        7: ("signing in", "登录", "登入"),
        8: ("deleting your account", "注销账号", "註銷賬號"),
    ]

    /// The built-in templates.
    public static let templates: VerifyCodeTemplates = {
        var byId: [Int: TemplateChannels] = [:]
        for (id, purpose) in purposes {
            let email: [EmailTemplate] = [
                EmailTemplate(
                    langTag: "en", title: "[{sitename}] Your verification code",
                    content:
                        "<p>{sitename}</p><p>Your verification code for \(purpose.en) is <strong>{code}</strong>.</p>"
                        + "<p>It is valid for {time}. If you did not ask for it, you can ignore this message.</p>"),
                EmailTemplate(
                    langTag: "zh-Hans", title: "【{sitename}】您的验证码",
                    content: "<p>{sitename}</p><p>您正在\(purpose.hans)，验证码：<strong>{code}</strong></p>"
                        + "<p>有效期 {time}。如非本人操作，请忽略本邮件。</p>"),
                EmailTemplate(
                    langTag: "zh-Hant", title: "【{sitename}】您的驗證碼",
                    content: "<p>{sitename}</p><p>您正在\(purpose.hant)，驗證碼：<strong>{code}</strong></p>"
                        + "<p>有效期 {time}。如非本人操作，請忽略本郵件。</p>"),
            ]
            let sms = [
                SMSTemplate(
                    langTag: "en", signName: "{sitename}", templateCode: "verifyd_template\(id)", codeParam: "code")
            ]
            byId[id] = TemplateChannels(
                email: ChannelTemplates(isEnabled: true, entries: email),
                sms: ChannelTemplates(isEnabled: true, entries: sms))
        }
        return VerifyCodeTemplates(byId: byId)
    }()
}
